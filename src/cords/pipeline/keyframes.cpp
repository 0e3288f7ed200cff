#include "cords/pipeline/keyframes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::pipeline {
namespace {

// Two keyframes are near-duplicates when their 16x9 grey thumbnails differ by less than kNearDuplicate (of 255) on
// average: the same picture give or take noise and compression (docs/video.md).
constexpr std::size_t kTiny = std::tuple_size<decltype(embed::PictureQuality::tiny)>::value;

double tiny_distance(const Samples& s, std::int64_t a, std::int64_t b) {
  const std::uint8_t* x = s.tiny.data() + static_cast<std::size_t>(a) * kTiny;
  const std::uint8_t* y = s.tiny.data() + static_cast<std::size_t>(b) * kTiny;
  double d = 0;
  for (std::size_t i = 0; i < kTiny; ++i) d += std::abs(static_cast<int>(x[i]) - static_cast<int>(y[i]));
  return d / static_cast<double>(kTiny);
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
      const float* r = s.rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim);
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

// Every shot gets a keyframe when the budget allows: with k at least the number of shots that have candidates, a
// shot the selection left out (its pictures looked like another shot's to the embedding: the same film, the same
// set) takes the place of the pick with the least gain among those of a shot that has several. It gets the
// candidate nearest its candidates' mean embedding (its most typical picture); its gain is not known (0).
void cover_every_shot(const Samples& s, int dim, const std::vector<std::int64_t>& shot_of,
                      const std::vector<std::int64_t>& candidates, std::vector<std::int64_t>& chosen,
                      std::vector<double>& gains) {
  std::map<std::int64_t, std::vector<std::int64_t>> members;  // shot -> its candidates
  for (auto c : candidates) members[shot_of[static_cast<std::size_t>(c)]].push_back(c);
  if (chosen.size() < members.size()) return;
  std::map<std::int64_t, int> picks;  // shot -> keyframes in it
  for (auto c : chosen) ++picks[shot_of[static_cast<std::size_t>(c)]];
  const auto row = [&](std::int64_t i) {
    return s.rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim);
  };
  for (const auto& [shot, cands] : members) {
    if (picks[shot] > 0) continue;
    std::size_t victim = chosen.size();
    for (std::size_t t = 0; t < chosen.size(); ++t)
      if (picks[shot_of[static_cast<std::size_t>(chosen[t])]] > 1 &&
          (victim == chosen.size() || gains[t] < gains[victim]))
        victim = t;
    if (victim == chosen.size()) return;  // (cannot happen while k >= shots)
    std::vector<double> mean(static_cast<std::size_t>(dim), 0.0);
    for (auto c : cands)
      for (int j = 0; j < dim; ++j) mean[static_cast<std::size_t>(j)] += row(c)[j];
    std::int64_t best = cands.front();
    double best_cos = -2;
    for (auto c : cands) {
      double dot = 0, norm = 0;
      for (int j = 0; j < dim; ++j) {
        dot += row(c)[j] * mean[static_cast<std::size_t>(j)];
        norm += static_cast<double>(row(c)[j]) * row(c)[j];
      }
      const double cos = norm > 0 ? dot / std::sqrt(norm) : -1;
      if (cos > best_cos) {
        best_cos = cos;
        best = c;
      }
    }
    --picks[shot_of[static_cast<std::size_t>(chosen[victim])]];
    ++picks[shot];
    chosen[victim] = best;
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

// No near-duplicates: a keyframe that repeats an earlier pick (in the order picked) gives way to the candidate of its
// shot farthest from every pick, when one is not itself a repeat; else it stays. Returns how many stay repeats.
std::int64_t replace_near_duplicates(const Samples& s, const std::vector<std::int64_t>& shot_of,
                                     const std::vector<std::int64_t>& candidates, std::vector<std::int64_t>& chosen,
                                     std::vector<double>& gains) {
  std::int64_t repeats = 0;
  for (std::size_t t = 1; t < chosen.size(); ++t) {
    const auto repeat_of = [&](std::int64_t c, std::size_t skip) {
      double nearest = std::numeric_limits<double>::infinity();
      for (std::size_t u = 0; u < chosen.size(); ++u)
        if (u != skip) nearest = std::min(nearest, tiny_distance(s, c, chosen[u]));
      return nearest;
    };
    if (repeat_of(chosen[t], t) >= kNearDuplicate) continue;
    // (Looking for a replacement costs k x candidates distances per repeat: very long videos only count them.)
    if (static_cast<double>(chosen.size()) * static_cast<double>(candidates.size()) > 2e6) {
      ++repeats;
      continue;
    }
    std::int64_t best = -1;
    double best_d = kNearDuplicate;
    for (auto c : candidates) {
      if (shot_of[static_cast<std::size_t>(c)] != shot_of[static_cast<std::size_t>(chosen[t])] ||
          std::find(chosen.begin(), chosen.end(), c) != chosen.end())
        continue;
      const double d = repeat_of(c, t);
      if (d >= best_d) {
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
    cover_every_shot(s, dim, shot_of, candidates, plan.chosen, plan.gains);
  plan.repeats = replace_near_duplicates(s, shot_of, candidates, plan.chosen, plan.gains);
  return plan;
}

}  // namespace cords::pipeline
