#include "cords/pipeline/keyframes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::pipeline {
namespace {

// Near-duplicates (keyframes.h): the mean change of the 16x9 grey thumbnails, and the cells that change by much.
constexpr std::size_t kTiny = std::tuple_size<decltype(embed::PictureQuality::tiny)>::value;

struct Likeness {
  double mean = 0;  ///< mean absolute difference, of 255
  int cells = 0;    ///< cells differing by kRepeatCellChange or more
  bool repeat() const { return mean < kNearDuplicate && cells <= kRepeatCells; }
};

Likeness likeness(const Samples& s, std::int64_t a, std::int64_t b) {
  const std::uint8_t* x = s.tiny.data() + static_cast<std::size_t>(a) * kTiny;
  const std::uint8_t* y = s.tiny.data() + static_cast<std::size_t>(b) * kTiny;
  Likeness l;
  for (std::size_t i = 0; i < kTiny; ++i) {
    const int d = std::abs(static_cast<int>(x[i]) - static_cast<int>(y[i]));
    l.mean += d;
    l.cells += d >= kRepeatCellChange ? 1 : 0;
  }
  l.mean /= static_cast<double>(kTiny);
  return l;
}

// Whether sample c repeats one of `picks` (all but index `skip`), and its least mean distance to them.
bool repeats_any(const Samples& s, std::int64_t c, const std::vector<std::int64_t>& picks, std::size_t skip,
                 double* nearest = nullptr) {
  bool repeat = false;
  double least = std::numeric_limits<double>::infinity();
  for (std::size_t u = 0; u < picks.size(); ++u) {
    if (u == skip) continue;
    const Likeness l = likeness(s, c, picks[u]);
    repeat = repeat || l.repeat();
    least = std::min(least, l.mean);
  }
  if (nearest != nullptr) *nearest = least;
  return repeat;
}

// Sample i's features (dim floats).
const float* row_of(const Samples& s, int dim, std::int64_t i) {
  return s.rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim);
}

// Selection over the candidates (the usable samples: segment::usable_samples keeps black and fading frames out
// while enough others remain); indices are returned into all samples.
std::vector<std::int64_t> choose(const Samples& s, int dim, std::int64_t k, bool per_shot, const KeyframeOptions& cfg,
                                 const std::vector<std::int64_t>& shot_of, const std::vector<std::int64_t>& candidates,
                                 std::vector<double>& gains, double& objective) {
  const auto m = static_cast<std::int64_t>(candidates.size());
  const Baseline baseline = baseline_of(cfg.selector);
  if (baseline == Baseline::Uniform) {  // evenly spaced in sample order
    std::vector<std::int64_t> idx;
    for (std::int64_t t = 0; t < k; ++t)
      idx.push_back(
          candidates[static_cast<std::size_t>(std::min(m - 1, static_cast<std::int64_t>((t + 0.5) * m / k)))]);
    gains.assign(idx.size(), 0.0);
    objective = 0.0;
    return idx;
  }
  select::SelectionConfig sc;
  sc.function = baseline == Baseline::Random ? "facility-location" : cfg.selector;  // (the objective reported)
  sc.optimizer = baseline == Baseline::Random ? "random" : cfg.optimizer;
  sc.kernel.metric = cfg.metric;
  sc.budget = select::Budget::count(k);
  sc.greedy.seed = cfg.seed;
  // Hours of footage at 2 fps: for facility location the sparse kernel keeps memory bounded; other functions
  // need the dense kernel (refused with a hint when it cannot fit in memory).
  sc.knn = m > 20000 && sc.function == "facility-location" ? 32 : 0;
  std::vector<float> rows;
  std::vector<std::int64_t> shots;
  const bool all = m == s.n();
  if (!all) {
    rows.reserve(static_cast<std::size_t>(m) * static_cast<std::size_t>(dim));
    for (auto i : candidates) {
      const float* r = row_of(s, dim, i);
      rows.insert(rows.end(), r, r + dim);
      shots.push_back(shot_of[static_cast<std::size_t>(i)]);
    }
  }
  const MatrixView x{all ? s.rows.data() : rows.data(), m, dim};
  const select::SelectionReport r = select::run_selection(x, sc, per_shot ? (all ? &shot_of : &shots) : nullptr);
  gains = r.selection.gains;
  objective = r.selection.objective;
  std::vector<std::int64_t> chosen;
  for (auto i : r.selection.selected) chosen.push_back(candidates[static_cast<std::size_t>(i)]);
  return chosen;
}

// Cosine similarity of two rows of features.
double cosine(const float* a, const float* b, int dim) {
  double dot = 0, na = 0, nb = 0;
  for (int j = 0; j < dim; ++j) {
    dot += static_cast<double>(a[j]) * b[j];
    na += static_cast<double>(a[j]) * a[j];
    nb += static_cast<double>(b[j]) * b[j];
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

// A shot's most typical candidate: the one nearest (cosine) its candidates' mean embedding.
std::int64_t typical_candidate(const Samples& s, int dim, const std::vector<std::int64_t>& cands) {
  const auto row = [&](std::int64_t i) { return row_of(s, dim, i); };
  std::vector<float> mean(static_cast<std::size_t>(dim), 0.0f);
  for (auto c : cands)
    for (int j = 0; j < dim; ++j) mean[static_cast<std::size_t>(j)] += row(c)[j];
  std::int64_t best = cands.front();
  double best_cos = -2;
  for (auto c : cands)
    if (const double cos = cosine(row(c), mean.data(), dim); cos > best_cos) {
      best_cos = cos;
      best = c;
    }
  return best;
}

// Distinct shots before second keyframes of a shot (docs/video.md, "Keyframes"). While a shot the selection left
// out has candidates and another shot holds several picks, the pick with the least gain among those shots gives way
// to the most typical candidate of the left-out shot (nearest its candidates' mean embedding; gain unknown: 0). The
// left-out shots are taken most distinct first (farthest in the embedding from every pick); with k below the number
// of shots, one whose picture repeats a pick (the same set again) is not taken. With k >= shots every shot ends up
// with a keyframe, as before.
void spread_over_shots(const Samples& s, int dim, const std::vector<std::int64_t>& shot_of,
                       const std::vector<std::int64_t>& candidates, std::vector<std::int64_t>& chosen,
                       std::vector<double>& gains) {
  std::map<std::int64_t, std::vector<std::int64_t>> members;  // shot -> its candidates
  for (auto c : candidates) members[shot_of[static_cast<std::size_t>(c)]].push_back(c);
  const bool every = chosen.size() >= members.size();
  std::map<std::int64_t, int> picks;  // shot -> keyframes in it
  for (auto c : chosen) ++picks[shot_of[static_cast<std::size_t>(c)]];
  const auto row = [&](std::int64_t i) { return row_of(s, dim, i); };
  std::map<std::int64_t, std::int64_t> typical;  // left-out shot -> its most typical candidate
  for (const auto& [shot, cands] : members)
    if (picks[shot] == 0) typical[shot] = typical_candidate(s, dim, cands);
  while (!typical.empty()) {
    std::size_t victim = chosen.size();
    for (std::size_t t = 0; t < chosen.size(); ++t)
      if (picks[shot_of[static_cast<std::size_t>(chosen[t])]] > 1 &&
          (victim == chosen.size() || gains[t] < gains[victim]))
        victim = t;
    if (victim == chosen.size()) return;  // every pick is its shot's only one
    // The most distinct left-out shot: its typical picture's greatest similarity to a pick is the least.
    auto pick = typical.end();
    double pick_sim = std::numeric_limits<double>::infinity();
    for (auto it = typical.begin(); it != typical.end(); ++it) {
      double sim = -1;
      for (std::size_t t = 0; t < chosen.size(); ++t)
        if (t != victim) sim = std::max(sim, cosine(row(it->second), row(chosen[t]), dim));
      if (sim < pick_sim) {
        pick_sim = sim;
        pick = it;
      }
    }
    const std::int64_t c = pick->second;
    const bool same_set = repeats_any(s, c, chosen, victim);
    typical.erase(pick);
    if (!every && same_set) continue;
    --picks[shot_of[static_cast<std::size_t>(chosen[victim])]];
    ++picks[shot_of[static_cast<std::size_t>(c)]];
    chosen[victim] = c;
    gains[victim] = 0;
  }
}

// The samples keyframes may be chosen from (docs/video.md, "Keyframes").
std::vector<std::int64_t> candidate_samples(const Samples& s, const SummaryResult& res, const segment::Transitions& tr,
                                            const std::vector<std::int64_t>& shot_of, const ShotStageOptions& cfg) {
  // Black and fading frames are not candidates while at least k others remain (docs/video.md, "Keyframes"), nor
  // frames inside a fade, dissolve or flash found on the frames, unless that would leave their shot without any.
  // Nor noise (TV static: neighbouring pixels uncorrelated, with a luma spread of 20 or more, unlike a flat picture's
  // faint compression noise; never, as black frames), nor blurred frames (sharpness
  // under a third of the median of their shot's other candidates, while the shot keeps one; docs/video.md).
  std::vector<char> usable = segment::usable_samples(s.luma, s.seconds, res.shots, cfg.shots);
  const auto leave_out = [&](const std::function<bool(std::size_t)>& bad) {
    for (const auto& shot : res.shots) {
      std::vector<std::size_t> clean;
      for (auto i = static_cast<std::size_t>(shot.first); i <= static_cast<std::size_t>(shot.last); ++i)
        if (usable[i] && !bad(i)) clean.push_back(i);
      if (clean.empty()) continue;
      for (auto i = static_cast<std::size_t>(shot.first); i <= static_cast<std::size_t>(shot.last); ++i) usable[i] = 0;
      for (auto i : clean) usable[i] = 1;
    }
  };
  if (!tr.spans.empty()) leave_out([&](std::size_t i) { return tr.in_transition(s.frame[i]); });
  for (std::size_t i = 0; i < usable.size(); ++i)  // noise is no content: not even a shot of it gets a keyframe
    if (s.correlation[i] < 0.5 && s.spread[i] >= 20) usable[i] = 0;
  std::vector<double> shot_sharpness(res.shots.size(), 0.0);  // the median over each shot's candidates
  for (std::size_t k = 0; k < res.shots.size(); ++k) {
    std::vector<double> v;
    for (auto i = static_cast<std::size_t>(res.shots[k].first); i <= static_cast<std::size_t>(res.shots[k].last); ++i)
      if (usable[i]) v.push_back(s.sharpness[i]);
    if (v.empty()) continue;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    shot_sharpness[k] = v[v.size() / 2];
  }
  leave_out([&](std::size_t i) { return s.sharpness[i] < shot_sharpness[static_cast<std::size_t>(shot_of[i])] / 3; });
  std::vector<std::int64_t> candidates;
  for (std::int64_t i = 0; i < s.n(); ++i)
    if (usable[static_cast<std::size_t>(i)]) candidates.push_back(i);
  return candidates;
}

// The number of keyframes: from --budget or --fraction, or automatic (every shot gets one: split over the shots). With
// fewer clean candidates than that, every sample becomes a candidate.
struct KeyframeCount {
  std::int64_t k = 0;
  bool per_shot = false;  ///< split over the shots: asked, or the automatic budget's rule (every shot a keyframe)
};

KeyframeCount keyframe_count(const KeyframeOptions& cfg, const SamplingOptions& sampling, const Samples& s,
                             std::vector<std::int64_t>& candidates, const std::vector<std::int64_t>& shot_of,
                             SummaryResult& res) {
  std::int64_t k = 0;
  bool per_shot = cfg.per_shot;
  const double seconds = stretch_seconds(sampling, res.info);
  const bool fraction = cfg.budget.kind() == select::Budget::Kind::Fraction;
  if (fraction && sampling.keyframes_only && !res.fast_fallback && seconds > 0) {
    // Of the samples a full run would take (candidate_fps); at most the key frames found.
    res.budget_rule = "fraction";
    const auto asked = static_cast<std::int64_t>(fraction_keyframes(sampling, cfg.budget, seconds));
    k = std::min(asked, s.n());
    if (k < asked)
      res.warnings.push_back(param("fraction") + " asks for " + std::to_string(asked) + " keyframes, more than the " +
                             std::to_string(s.n()) + " key frames " + param("fast") +
                             " found: all of them are keyframes");
  } else if (!cfg.budget.automatic()) {
    res.budget_rule = cfg.budget.rule();
    try {
      k = cfg.budget.resolve(s.n(), "sampled frames");
    } catch (const Error& e) {
      throw invalid_argument(std::string(e.what()) + "; lower " + param("budget") + " or " +
                             (sampling.keyframes_only && !res.fast_fallback
                                  ? "drop " + param("fast") + " (it samples key frames only)"
                                  : "raise " + param("sample_fps")));
    }
  } else {  // automatic: every shot gets a keyframe
    res.budget_rule = "auto";
    std::set<std::int64_t> shots_with_candidates;
    for (auto i : candidates) shots_with_candidates.insert(shot_of[static_cast<std::size_t>(i)]);
    k = auto_budget(s.n(), static_cast<std::int64_t>(candidates.size()),
                    static_cast<std::int64_t>(shots_with_candidates.size()));
    per_shot = true;
  }
  if (static_cast<std::int64_t>(candidates.size()) < k) {  // too few clean frames for k: every sample is a candidate
    candidates.resize(static_cast<std::size_t>(s.n()));
    for (std::int64_t i = 0; i < s.n(); ++i) candidates[static_cast<std::size_t>(i)] = i;
  }
  return {k, per_shot};
}

// No near-duplicates: a keyframe that repeats another pick (in the order picked) gives way to the candidate of its
// shot farthest from every pick, when one is not itself a repeat; else it stays. Returns how many stay repeats.
std::int64_t replace_near_duplicates(const Samples& s, const std::vector<std::int64_t>& shot_of,
                                     const std::vector<std::int64_t>& candidates, std::vector<std::int64_t>& chosen,
                                     std::vector<double>& gains) {
  std::int64_t repeats = 0;
  for (std::size_t t = 1; t < chosen.size(); ++t) {
    if (!repeats_any(s, chosen[t], chosen, t)) continue;
    // (Looking for a replacement costs k x candidates comparisons per repeat: very long videos only count them.)
    if (static_cast<double>(chosen.size()) * static_cast<double>(candidates.size()) > 2e6) {
      ++repeats;
      continue;
    }
    std::int64_t best = -1;
    double best_d = -1;
    for (auto c : candidates) {
      if (shot_of[static_cast<std::size_t>(c)] != shot_of[static_cast<std::size_t>(chosen[t])] ||
          std::find(chosen.begin(), chosen.end(), c) != chosen.end())
        continue;
      double d = 0;
      if (!repeats_any(s, c, chosen, t, &d) && d > best_d) {
        best_d = d;
        best = c;
      }
    }
    if (best >= 0) {
      chosen[t] = best;
      gains[t] = 0;  // (not a greedy pick: its gain is not known)
    } else {
      ++repeats;
    }
  }
  return repeats;
}

// The automatic budget stops at the distinct content: a pick that repeats an earlier one is left out (the first
// keyframe always stays). Returns how many were left out.
std::int64_t drop_repeats(const Samples& s, std::vector<std::int64_t>& chosen, std::vector<double>& gains) {
  std::vector<std::int64_t> kept;
  std::vector<double> kept_gains;
  for (std::size_t t = 0; t < chosen.size(); ++t) {
    if (!kept.empty() && repeats_any(s, chosen[t], kept, kept.size())) continue;
    kept.push_back(chosen[t]);
    kept_gains.push_back(gains[t]);
  }
  const auto dropped = static_cast<std::int64_t>(chosen.size() - kept.size());
  chosen = std::move(kept);
  gains = std::move(kept_gains);
  return dropped;
}

// How much of the video each pick stands for: the samples whose features are nearest (cosine) to it. On very long
// videos a regular subset of the samples is counted (at most about 2e8 multiply-adds).
std::vector<std::int64_t> representation(const Samples& s, int dim, const std::vector<std::int64_t>& chosen) {
  std::vector<std::int64_t> counts(chosen.size(), 0);
  if (chosen.empty() || dim <= 0) return counts;
  const auto row = [&](std::int64_t i) { return row_of(s, dim, i); };
  const auto norm = [&](std::int64_t i) {
    double v = 0;
    for (int j = 0; j < dim; ++j) v += static_cast<double>(row(i)[j]) * row(i)[j];
    return std::sqrt(v);
  };
  std::vector<double> chosen_norm;
  for (auto c : chosen) chosen_norm.push_back(norm(c));
  const double work = static_cast<double>(s.n()) * static_cast<double>(chosen.size()) * dim;
  const std::int64_t stride = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(work / 2e8)));
  for (std::int64_t i = 0; i < s.n(); i += stride) {
    const double ni = norm(i);
    std::size_t best = 0;
    double best_cos = -2;
    for (std::size_t t = 0; t < chosen.size(); ++t) {
      double dot = 0;
      for (int j = 0; j < dim; ++j) dot += static_cast<double>(row(i)[j]) * row(chosen[t])[j];
      const double cos = ni > 0 && chosen_norm[t] > 0 ? dot / (ni * chosen_norm[t]) : 0.0;
      if (cos > best_cos) {
        best_cos = cos;
        best = t;
      }
    }
    counts[best] += stride;
  }
  return counts;
}

}  // namespace

std::int64_t auto_budget(std::int64_t n, std::int64_t candidates, std::int64_t shots) {
  const std::int64_t sheet = std::min<std::int64_t>(16, (n + 3) / 4);
  const std::int64_t share = select::share_of(0.05, static_cast<double>(n));
  return std::max<std::int64_t>(1, std::min(candidates, std::max({shots, sheet, share})));
}

std::string keyframe_name(double seconds, std::int64_t frame) {
  return "keyframes/" + format_time(seconds, true) + "_f" + std::to_string(frame) + ".jpg";
}

KeyframePlan plan_keyframes(const KeyframeOptions& cfg, const SamplingOptions& sampling, const ShotStageOptions& shots,
                            const Samples& s, int dim, const segment::Transitions& tr,
                            const std::vector<std::int64_t>& shot_of, SummaryResult& res) {
  KeyframePlan plan;
  std::vector<std::int64_t> candidates = candidate_samples(s, res, tr, shot_of, shots);
  const KeyframeCount count = keyframe_count(cfg, sampling, s, candidates, shot_of, res);
  plan.excluded = s.n() - static_cast<std::int64_t>(candidates.size());
  plan.chosen = choose(s, dim, count.k, count.per_shot, cfg, shot_of, candidates, plan.gains, plan.objective);
  if (!count.per_shot && baseline_of(cfg.selector) == Baseline::None)
    spread_over_shots(s, dim, shot_of, candidates, plan.chosen, plan.gains);
  plan.repeats = replace_near_duplicates(s, shot_of, candidates, plan.chosen, plan.gains);
  if (res.budget_rule == "auto" && plan.repeats > 0) {
    plan.dropped = drop_repeats(s, plan.chosen, plan.gains);
    plan.repeats = 0;
  }
  plan.represents = representation(s, dim, plan.chosen);
  return plan;
}

}  // namespace cords::pipeline
