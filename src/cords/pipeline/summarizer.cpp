#include "cords/pipeline/summarizer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cords/core/atomic_file.h"
#include "cords/core/bounded_queue.h"
#include "cords/core/error.h"
#include "cords/core/output_file.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/decode/audio_reader.h"
#include "cords/decode/ffmpeg_source.h"
#include "cords/embed/embedder.h"
#include "cords/output/writers.h"
#include "cords/pipeline/summary_dir.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::pipeline {
namespace fs = std::filesystem;

std::string default_output_dir(const std::string& input) {
  return (fs::path(".") / (fs::path(input).stem().string() + ".summary")).string();
}

namespace {

struct Samples {
  std::vector<float> rows;  // n x dim
  std::vector<float> hist;  // n x histogram dim, for shot detection when rows are not histograms
  std::vector<Timestamp> ts;
  std::vector<std::int64_t> frame;
  std::vector<double> luma, seconds;
  std::vector<double> correlation, sharpness, spread;  // embed::picture_quality of each sample
  std::vector<std::uint8_t> tiny;  // 16x9 grey thumbnail of each sample (kTiny bytes): near-duplicates
  std::int64_t n() const { return static_cast<std::int64_t>(ts.size()); }
  // Appends the samples of a later stretch of the video.
  void append(const Samples& o) {
    const auto add = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    add(rows, o.rows);
    add(hist, o.hist);
    add(ts, o.ts);
    add(frame, o.frame);
    add(luma, o.luma);
    add(seconds, o.seconds);
    add(correlation, o.correlation);
    add(sharpness, o.sharpness);
    add(spread, o.spread);
    add(tiny, o.tiny);
  }
};

// Seconds of one frame at the video's frame rate (25 fps when it is unknown, as the clip writer assumes).
double frame_seconds(const decode::VideoInfo& info) {
  return info.frame_rate.valid() ? 1.0 / info.frame_rate.value() : 0.04;
}

// Two keyframes are near-duplicates when their 16x9 grey thumbnails differ by less than kNearDuplicate (of 255) on
// average: the same picture give or take noise and compression (docs/video.md).
constexpr std::size_t kTiny = std::tuple_size<decltype(embed::PictureQuality::tiny)>::value;
constexpr double kNearDuplicate = 6.0;

double tiny_distance(const Samples& s, std::int64_t a, std::int64_t b) {
  const std::uint8_t* x = s.tiny.data() + static_cast<std::size_t>(a) * kTiny;
  const std::uint8_t* y = s.tiny.data() + static_cast<std::size_t>(b) * kTiny;
  double d = 0;
  for (std::size_t i = 0; i < kTiny; ++i) d += std::abs(static_cast<int>(x[i]) - static_cast<int>(y[i]));
  return d / static_cast<double>(kTiny);
}

// The CNN loads while pass 1 begins decoding (LibTorch's start-up: about 1 s).
std::unique_ptr<embed::Embedder> make_embedder(const SummarizeConfig& c) {
  return embed::make_embedder_in_background(c.embedder);
}

// --selector: a set function of select's registry (or a mixture of them), or one of these baselines.
enum class Baseline { None, Uniform, Random };
struct BaselineInfo {
  const char* name;
  Baseline kind;
};
const std::vector<BaselineInfo>& baselines() {
  static const std::vector<BaselineInfo> b = {{"uniform", Baseline::Uniform}, {"random", Baseline::Random}};
  return b;
}
Baseline baseline_of(const std::string& selector) {
  for (const auto& b : baselines())
    if (selector == b.name) return b.kind;
  return Baseline::None;
}

// An output file name inside DIR: one plain name with one of the given extensions.
void check_output_name(const std::string& option, const std::string& name, const std::vector<std::string>& exts) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name[0] == '.')
    throw invalid_argument(option + " '" + name +
                           "' must be a plain file name inside the output folder (no '/', not hidden)");
  std::string ext = fs::path(name).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (std::find(exts.begin(), exts.end(), ext) == exts.end())
    throw invalid_argument(option + " '" + name + "' needs one of the extensions " + name_list(exts));
}

}  // namespace

std::string selector_help() {
  std::string s = select::function_names() + ", a weighted mixture";
  for (const auto& b : baselines()) s += std::string(", ") + b.name;
  return s;
}

int cores_to_use(const SummarizeConfig& cfg) {
  return cfg.threads > 0 ? cfg.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::int64_t auto_budget(std::int64_t n, std::int64_t candidates, std::int64_t shots) {
  const std::int64_t sheet = std::min<std::int64_t>(16, (n + 3) / 4);
  const std::int64_t share = select::share_of(0.05, static_cast<double>(n));
  return std::max<std::int64_t>(1, std::min(candidates, std::max({shots, sheet, share})));
}

void validate_config(const SummarizeConfig& c) {
  if (!(std::isfinite(c.sample_fps) && c.sample_fps > 0))
    throw invalid_argument(
        "--sample-fps must be a finite number > 0 (for every frame, give one above the frame rate, e.g. 1000)");
  if (!(std::isfinite(c.clip_seconds) && c.clip_seconds > 0))
    throw invalid_argument("--clip-seconds must be a finite number > 0");
  if (!(std::isfinite(c.clip_crossfade) && c.clip_crossfade >= 0 && c.clip_crossfade <= 10))
    throw invalid_argument("--clip-crossfade must be a number of seconds from 0 to 10");
  if (c.clip_max_height < 16) throw invalid_argument("--clip-height must be at least 16");
  if (c.threads < 0) throw invalid_argument("--threads must be >= 0 (0 = all cores)");
  if (!(std::isfinite(c.transitions.threshold) && c.transitions.threshold > 1))
    throw invalid_argument("--shot-threshold must be a finite number > 1 (3 is the default)");
  if (!(std::isfinite(c.transitions.min_shot_seconds) && c.transitions.min_shot_seconds >= 0))
    throw invalid_argument("--min-shot-length must be a finite number of seconds >= 0");
  if (!(std::isfinite(c.start_seconds) && c.start_seconds >= 0)) throw invalid_argument("--start must be a time >= 0");
  if (!(std::isfinite(c.end_seconds) && c.end_seconds >= 0)) throw invalid_argument("--end must be a time >= 0");
  if (c.end_seconds > 0 && c.end_seconds <= c.start_seconds) throw invalid_argument("--end must come after --start");
  if (c.sheet_columns < 0 || c.sheet_columns > 64) throw invalid_argument("--grid columns must be 1 to 64");
  if (c.sheet_width != 0 && (c.sheet_width < 200 || c.sheet_width > 16384))
    throw invalid_argument("--sheet-width must be 200 to 16384 pixels");
  if (c.hwaccel != "auto" && c.hwaccel != "cuda" && c.hwaccel != "none")
    throw invalid_argument("--hwaccel must be auto, cuda or none, got '" + c.hwaccel + "'");
  if (baseline_of(c.selector) == Baseline::None) {
    select::check_function_spec(c.selector);
    select::make_optimizer(c.optimizer);
    if (c.metric == select::Metric::Precomputed)
      throw invalid_argument(
          "--metric precomputed takes a similarity matrix (cords-summarize select); a video's frames need " +
          std::string("cosine, euclidean, rbf or dot"));
  }
  const std::string& features = c.embedder.features;
  if (features != "histogram" && features != "cnn" && features != "auto")
    throw invalid_argument("unknown --features '" + features + "'; available: " + embed::embedder_names());
  if (c.write_sheet) check_output_name("--sheet", c.sheet_name, {".jpg", ".jpeg", ".png", ".webp"});
  if (c.write_clip) check_output_name("--clip", c.clip_name, {".mp4", ".mkv", ".mov", ".m4v"});
  const std::vector<std::pair<bool, std::string>> names{{c.write_sheet, c.sheet_name}, {c.write_clip, c.clip_name}};
  for (const auto& [on, name] : names)
    if (on && (name == c.json_name || name == "keyframes" || name == "shots.csv" || name == "chapters.vtt"))
      throw invalid_argument("output name '" + name + "' is taken by the summary itself; choose another");
  if (c.write_sheet && c.write_clip && c.sheet_name == c.clip_name)
    throw invalid_argument("--sheet and --clip name the same file '" + c.sheet_name + "'");
}

namespace {

// Pass 1: sampled, small frames -> embeddings, with decoding on its own thread.
// One piece: the decoding thread, the bounded queue and the batched consumer share the queue and the batch.
Samples decode_and_embed(decode::FFmpegSource& src, embed::Embedder& emb, double sample_fps,
                         const ProgressFn& progress) {
  BoundedQueue<decode::Frame> queue(32);
  std::thread producer([&] {
    try {
      decode::Frame f;
      while (src.next(f))
        if (!queue.push(std::move(f))) return;
      queue.close();
    } catch (...) {
      queue.fail(std::current_exception());
    }
  });
  struct Join {
    std::thread& t;
    BoundedQueue<decode::Frame>& q;
    ~Join() {
      q.close();  // unblocks the producer if we leave early
      if (t.joinable()) t.join();
    }
  } join{producer, queue};

  const double dur = src.info().duration;
  const std::int64_t expected = dur > 0 ? static_cast<std::int64_t>(std::ceil(dur * sample_fps)) : 0;
  Samples s;
  std::vector<decode::Frame> batch;
  std::vector<float> out, hout;
  // Shots are found on colour histograms (their thresholds are calibrated for them), whatever the features. Asked
  // at the first batch: a CNN may still be loading before it.
  std::unique_ptr<embed::Embedder> shots_emb;
  bool first = true;
  auto flush = [&] {
    if (batch.empty()) return;
    if (std::exchange(first, false) && emb.name() != "histogram") shots_emb = embed::histogram_embedder();
    std::vector<const Image*> imgs;
    for (auto& f : batch) imgs.push_back(&f.image);
    out.resize(batch.size() * static_cast<std::size_t>(emb.dim()));
    emb.embed(imgs, out.data());
    s.rows.insert(s.rows.end(), out.begin(), out.end());
    if (shots_emb) {
      hout.resize(batch.size() * static_cast<std::size_t>(shots_emb->dim()));
      shots_emb->embed(imgs, hout.data());
      s.hist.insert(s.hist.end(), hout.begin(), hout.end());
    }
    for (auto& f : batch) {
      s.ts.push_back(f.ts);
      s.frame.push_back(f.index);
      s.seconds.push_back(f.ts.seconds() - src.info().start);
      const embed::PictureQuality q = embed::picture_quality(f.image);
      s.luma.push_back(q.mean);
      s.correlation.push_back(q.correlation);
      s.sharpness.push_back(q.sharpness);
      s.spread.push_back(q.spread);
      s.tiny.insert(s.tiny.end(), q.tiny.begin(), q.tiny.end());
    }
    batch.clear();
    if (progress) progress("decode", s.n(), std::max(expected, s.n()));
  };
  decode::Frame f;
  while (queue.pop(f)) {
    batch.push_back(std::move(f));
    if (batch.size() == 16) flush();
  }
  flush();
  return s;
}

// What the pass that produced the samples saw of the input, from one source or summed over several.
struct DecodeReport {
  std::int64_t skipped = 0, backwards = 0;
  double data_seconds = -1;
  std::string pixel_format;
  Rational frame_rate;
  int width = 0, height = 0;  ///< of the decoded pictures (rotated), which the header may have got wrong
};

DecodeReport report_of(const decode::FFmpegSource& src) {
  const decode::VideoInfo& i = src.info();
  return {src.skipped(), src.backwards(), src.data_seconds(), i.pixel_format, i.frame_rate, i.width, i.height};
}

// Seconds summarized: the video's duration, or the stretch --start/--end give (0 when the duration is unknown).
double stretch_seconds(const SummarizeConfig& cfg, const decode::VideoInfo& info) {
  if (!(info.duration > 0)) return 0;
  const double end = cfg.end_seconds > 0 ? std::min(cfg.end_seconds, info.duration) : info.duration;
  return std::max(0.0, end - cfg.start_seconds);
}

// Keyframes a --fraction asks for: its share of the frames sampled at --sample-fps (with --fast, of those a full
// run would sample over the stretch summarized, so that the fraction means the same in both modes).
double fraction_keyframes(const SummarizeConfig& cfg, double seconds) {
  return static_cast<double>(select::share_of(cfg.budget.share(), seconds * cfg.sample_fps));
}

// --fast: the key frames the budget needs, not necessarily all (docs/video.md, "Fast mode"). Candidates: at least
// kFastPerKeyframe per keyframe asked for (--budget, or --fraction of the full run's samples), at least
// kFastMinCandidates, and at least one every kFastMaxGap seconds; key frames closer together than that rate are
// never decoded. Inputs of unknown duration keep every key frame (at most --sample-fps of them a second).
constexpr double kFastPerKeyframe = 8, kFastMinCandidates = 600, kFastMaxGap = 4;

double candidate_fps(const SummarizeConfig& cfg, double seconds) {
  if (!cfg.keyframes_only || !(seconds > 0)) return cfg.sample_fps;
  const select::Budget::Kind kind = cfg.budget.kind();
  const double k = kind == select::Budget::Kind::Count      ? static_cast<double>(cfg.budget.k())
                   : kind == select::Budget::Kind::Fraction ? fraction_keyframes(cfg, seconds)
                                                            : 0.0;
  const double rate = std::max({1.0 / kFastMaxGap, kFastMinCandidates / seconds, kFastPerKeyframe * k / seconds});
  return std::min(cfg.sample_fps, rate);
}

// A long input on a machine with cores (or GPU decoder engines) to spare: independent decoders over consecutive
// stretches of it, side by side (each seeks to the key frame before its stretch), each embedding its own frames; the
// samples are joined in time order. Stretches are whole multiples of the sampling period, so the samples are those
// of one decoder. With NVDEC each decoder is a session of its own (a GPU has several decoder engines, one session
// keeps one busy); on the CPU each gets four cores (frame threads scale poorly beyond that, and not at all when only
// key frames are decoded). Returns 1 where one decoder is best: inputs under two minutes, unknown durations, < 8 cores.
int range_decoders(const decode::VideoInfo& info, int cores) {
  if (!(info.duration > 120)) return 1;
  const int by_length = static_cast<int>(info.duration / 60);  // at least a minute each
  const int wanted = info.hwaccel == "cuda" ? 4 : cores / 4;
  return std::max(1, std::min(wanted, by_length));
}

Samples decode_and_embed_ranges(const SummarizeConfig& cfg, const decode::DecodeOptions& dopt,
                                const decode::VideoInfo& info, int parts, int cores, embed::Embedder& emb,
                                const ProgressFn& progress, DecodeReport& report,
                                std::vector<segment::FrameStat>& stats) {
  std::vector<Samples> part(static_cast<std::size_t>(parts));
  std::vector<std::vector<segment::FrameStat>> part_stats(static_cast<std::size_t>(parts));
  std::vector<DecodeReport> reports(static_cast<std::size_t>(parts));
  std::vector<std::int64_t> counts(static_cast<std::size_t>(parts), 0);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  std::mutex m;
  // For the progress bar: the samples expected (fast mode: a guess of one key frame every 2 s, or the candidate rate).
  const double expected_total = info.duration * (cfg.keyframes_only ? std::min(0.5, dopt.sample_fps) : dopt.sample_fps);
  const bool every_key = cfg.keyframes_only && dopt.sample_fps >= cfg.sample_fps;
  const double period = every_key ? 1.0 : 1.0 / dopt.sample_fps;
  const double len = std::ceil(info.duration / parts / period) * period;  // each stretch, a multiple of the period
  std::vector<std::thread> threads;
  for (int k = 0; k < parts; ++k) {
    threads.emplace_back([&, k] {
      try {
        decode::DecodeOptions o = dopt;
        o.threads = std::max(1, cores / parts);
        o.range_start = k * len;
        o.range_end = k + 1 == parts ? 0.0 : (k + 1) * len;
        decode::FFmpegSource src(cfg.input, o);
        const ProgressFn mine = [&, k](const std::string& stage, std::int64_t done, std::int64_t) {
          if (!progress) return;
          std::lock_guard<std::mutex> lock(m);
          counts[static_cast<std::size_t>(k)] = done;
          std::int64_t sum = 0;
          for (auto c : counts) sum += c;
          progress(stage, sum, std::max(sum, static_cast<std::int64_t>(expected_total)));
        };
        part[static_cast<std::size_t>(k)] = decode_and_embed(src, emb, o.sample_fps, mine);
        reports[static_cast<std::size_t>(k)] = report_of(src);
        part_stats[static_cast<std::size_t>(k)] = src.take_frame_stats();
      } catch (...) {
        errors[static_cast<std::size_t>(k)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  Samples s;
  for (std::size_t k = 0; k < part.size(); ++k) {
    s.append(part[k]);
    stats.insert(stats.end(), part_stats[k].begin(), part_stats[k].end());
    report.skipped += reports[k].skipped;
    report.backwards += reports[k].backwards;
  }
  report.data_seconds = reports.back().data_seconds;
  report.pixel_format = reports.front().pixel_format;
  report.frame_rate = reports.front().frame_rate;
  report.width = reports.front().width;
  report.height = reports.front().height;
  return s;
}

// Selection over the candidates (the usable samples: segment::usable_samples keeps black and fading frames out
// while enough others remain); indices are returned into all samples.
std::vector<std::int64_t> choose(const Samples& s, int dim, std::int64_t k, const SummarizeConfig& cfg,
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
  const select::SelectionReport r = select::run_selection(x, sc, cfg.per_shot ? (all ? &shot_of : &shots) : nullptr);
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

// Shots with frame numbers and an exclusive end: each ends where the next begins; the last at the video's end (its
// declared duration and frame count when they reach past the last sample, else one frame after it).
std::vector<ShotSpan> shot_spans(const std::vector<segment::Shot>& shots, const Samples& s,
                                 const decode::VideoInfo& info) {
  std::vector<ShotSpan> spans;
  const double frame_s = frame_seconds(info);
  for (std::size_t i = 0; i < shots.size(); ++i) {
    const auto first = static_cast<std::size_t>(shots[i].first);
    ShotSpan span{s.frame[first], 0, s.seconds[first], 0};
    if (i + 1 < shots.size()) {
      const auto next = static_cast<std::size_t>(shots[i + 1].first);
      span.end_frame = s.frame[next];
      span.end = s.seconds[next];
    } else {
      span.end_frame =
          std::max({s.frame.back() + 1, info.frame_count,
                    info.duration > 0 ? static_cast<std::int64_t>(std::llround(info.duration / frame_s)) : 0});
      span.end = std::max(s.seconds.back() + frame_s, info.duration);
    }
    span.transition = i == 0 ? "start" : shots[i].fade_in ? "fade" : "cut";
    span.sample_shot = static_cast<std::int64_t>(i);
    spans.push_back(span);
  }
  return spans;
}

// Shots from frame-exact boundaries: every shot as exported, and those holding samples (what selection sees; a shot
// shorter than the sampling period may hold none) with their sample ranges.
void frame_shots(const segment::Transitions& tr, const std::vector<segment::FrameStat>& fs, const Samples& s,
                 const decode::VideoInfo& info, const SummarizeConfig& cfg, std::vector<segment::Shot>& shots,
                 std::vector<ShotSpan>& spans) {
  const double frame_s = frame_seconds(info);
  shots.clear();
  spans.clear();
  // From the video's first frame, or with --start from the first frame decoded.
  if (cfg.start_seconds > 0)
    spans.push_back({fs.front().frame, 0, fs.front().seconds, 0.0, "start", -1});
  else
    spans.push_back({0, 0, 0.0, 0.0, "start", -1});
  for (const auto& b : tr.boundaries) {
    spans.back().end_frame = b.frame;
    spans.back().end = b.seconds;
    spans.push_back({b.frame, 0, b.seconds, 0.0, segment::to_string(b.kind), -1});
  }
  spans.back().end_frame =
      std::max({fs.back().frame + 1, s.frame.back() + 1, info.frame_count,
                info.duration > 0 ? static_cast<std::int64_t>(std::llround(info.duration / frame_s)) : 0});
  spans.back().end = std::max(fs.back().seconds + frame_s, info.duration);
  std::int64_t i = 0;
  for (auto& span : spans) {
    const std::int64_t first = i;
    while (i < s.n() && (&span == &spans.back() || s.frame[static_cast<std::size_t>(i)] < span.end_frame)) ++i;
    if (i == first) continue;
    span.sample_shot = static_cast<std::int64_t>(shots.size());
    segment::Shot shot;
    shot.first = first;
    shot.last = i - 1;
    shot.start = span.start;
    shot.end = span.end;
    shot.fade_in = span.transition == "fade";
    shots.push_back(shot);
  }
}

std::string keyframe_name(double seconds, std::int64_t frame) {
  return "keyframes/" + format_time(seconds, true) + "_f" + std::to_string(frame) + ".jpg";
}

// The stretches [t - before, t + after] around the keyframes (sorted by time), clamped at 0 when `before` > 0, with
// overlapping stretches merged so that each part of the video is decoded (and written) once; `keys` lists the
// keyframes each holds.
struct Window {
  std::int64_t start, end;  ///< pts in the keyframes' time base (the stream's): the frames shown from start to end
  std::vector<std::size_t> keys;
  Rational time_base;
  Timestamp first() const { return {start, time_base}; }
  double start_seconds() const { return Timestamp{start, time_base}.seconds(); }
  double end_seconds() const { return Timestamp{end, time_base}.seconds(); }
};
// With `shots` (frame-exact shot spans, seconds in stream time), a keyframe's stretch stays inside its shot: it is
// moved, then shortened, rather than cross a cut (the frame that begins the next shot is left out). Seconds (the
// durations and the shots' bounds) become pts once, here; windows are then compared with frames' pts exactly.
std::vector<Window> merged_windows(const std::vector<Keyframe>& keyframes, double before_s, double after_s,
                                   const std::vector<std::pair<double, double>>* shots = nullptr) {
  std::vector<Window> windows;
  for (std::size_t i = 0; i < keyframes.size(); ++i) {
    const Rational tb = keyframes[i].ts.time_base;
    const auto ticks = [&](double seconds) { return Timestamp::nearest(seconds, tb).pts; };
    const std::int64_t t = keyframes[i].ts.pts, before = ticks(before_s);
    std::int64_t a = before > 0 ? std::max<std::int64_t>(0, t - before) : t, b = t + ticks(after_s);
    if (shots && keyframes[i].shot >= 0 && static_cast<std::size_t>(keyframes[i].shot) < shots->size()) {
      const auto [lo_s, hi_s] = (*shots)[static_cast<std::size_t>(keyframes[i].shot)];
      const std::int64_t lo = ticks(lo_s),
                         hi = std::isinf(hi_s) ? std::numeric_limits<std::int64_t>::max() : ticks(hi_s);
      const std::int64_t len = b - a;
      a = std::max(a, lo);
      b = std::min(a + len, hi);
      a = std::min(t, std::max(lo, b - len));
      b = std::max(b, t);
    }
    if (!windows.empty() && a <= windows.back().end) {
      windows.back().end = std::max(windows.back().end, b);
      windows.back().keys.push_back(i);
    } else {
      windows.push_back({a, b, {i}, tb});
    }
  }
  return windows;
}

// Paces a window's decoded frames onto the clip's constant rate: each slot of 1/rate seconds shows the latest frame
// shown by then (with half a slot of tolerance), so variable-rate input plays at its real speed, frames repeated where
// the input is slower than the clip and left out where it is faster; constant-rate input gives one slot per frame.
// With a crossfade of n slots, the last n slots of a window (pictures and sound) are blended into the first n of the
// next one (fewer where a window is shorter), so the clip is n slots shorter at each joint. Frame times are pts in
// `time_base` and the rate a rational number, so a frame's slot is exact.
class ClipPacer {
 public:
  ClipPacer(output::ClipWriter& clip, Rational rate, Rational time_base, int crossfade_slots, int sample_rate,
            int channels)
      : clip_(clip),
        rate_(rate),
        tb_(time_base),
        fade_(std::max(0, crossfade_slots)),
        sample_rate_(sample_rate),
        channels_(channels) {}
  /// A window begins (its frames follow in time order): the held end of the previous one becomes the tail to fade.
  void begin() {
    first_.reset();
    window_first_ = slots_;
    have_ = false;
    tail_ = std::move(ring_);
    ring_.clear();
    fade_total_ = static_cast<int>(tail_.size());
    blended_ = 0;
  }
  /// A frame of the window, shown from `pts`: the frame before it fills the slots before that.
  void add(std::int64_t pts, Yuv420 pic) {
    if (!first_) first_ = pts;
    fill_to(slot_of(pts));
    held_ = std::move(pic);
    held_pts_ = pts;
    have_ = true;
  }
  /// The window's pictures end at `until` (pts where the next frame is shown, or the stream ends); its last frame
  /// lasts one slot when `until` is not after it. Its sound follows with sound().
  void end(std::int64_t until) {
    if (have_) fill_to(until > held_pts_ ? slot_of(until) : slot_of(held_pts_) + 1);
    have_ = false;
    tail_.clear();  // a window shorter than the fade: the rest of the previous one's end is left out
  }
  /// The window's sound (interleaved), exactly as long as its slots: faded and held back as its pictures were.
  void sound(std::vector<float> pcm) {
    const auto samples = [&](std::size_t n_slots) {
      return static_cast<std::size_t>(std::llround(static_cast<double>(n_slots) * sample_rate_ / rate_.value())) *
             static_cast<std::size_t>(channels_);
    };
    const std::size_t faded = std::min({samples(static_cast<std::size_t>(blended_)), pcm.size(), sound_tail_.size()});
    for (std::size_t i = 0; i < faded; ++i) {
      const double w = (static_cast<double>(i) + 0.5) / static_cast<double>(faded);  // weight of the new sound
      pcm[i] = static_cast<float>((1.0 - w) * sound_tail_[i] + w * pcm[i]);
    }
    sound_tail_.clear();
    const std::size_t hold = std::min(samples(ring_.size()), pcm.size() - faded);
    sound_tail_.assign(pcm.end() - static_cast<std::ptrdiff_t>(hold), pcm.end());
    pcm.resize(pcm.size() - hold);
    clip_.write_audio(std::move(pcm));
  }
  /// Writes what is held back (the last window's end).
  void finish() {
    for (auto& pic : ring_) clip_.write(std::move(pic));
    ring_.clear();
    if (!sound_tail_.empty()) clip_.write_audio(std::move(sound_tail_));
    sound_tail_.clear();
  }
  /// The window's first frame (seconds; -1 before any).
  double window_start() const { return first_ ? Timestamp{*first_, tb_}.seconds() : -1.0; }
  std::int64_t window_first() const { return window_first_; }  ///< slots before the window (as if no fades)
  std::int64_t slots() const { return slots_; }                ///< slots so far (as if no fades)

 private:
  // The slot a frame shown at pts begins: window_first_ + ceil(x - 1/2) for x = (pts - first) x time base x rate
  // slots (half a slot of tolerance, ties to the earlier slot). With z = floor(2x), that is z / 2 when 2x is whole,
  // else (z + 1) / 2.
  std::int64_t slot_of(std::int64_t pts) const {
    const std::int64_t ticks = pts - first_.value_or(pts);
    if (ticks <= 0) return window_first_;
    const std::int64_t a = 2 * tb_.num * rate_.num, d = tb_.den * rate_.den;
    const std::int64_t z = mul_div_floor(ticks, a, d);
    const bool whole = mul_div_ceil(ticks, a, d) == z;
    return window_first_ + (whole ? z / 2 : (z + 1) / 2);
  }
  void fill_to(std::int64_t until) {
    if (!have_) return;
    for (; slots_ < until; ++slots_) emit(slots_ + 1 < until ? held_ : std::move(held_));
  }
  // One slot of the window: blended with the previous window's tail while it lasts; the last `fade_` are held back
  // for the next joint.
  void emit(Yuv420 pic) {
    if (!tail_.empty()) {
      ++blended_;
      const int w = blended_, n = fade_total_ + 1;  // the new picture's weight: w / n
      const Yuv420& old = tail_.front();
      if (old.data.size() == pic.data.size())
        for (std::size_t i = 0; i < pic.data.size(); ++i)
          pic.data[i] = static_cast<std::uint8_t>((old.data[i] * (n - w) + pic.data[i] * w + n / 2) / n);
      tail_.pop_front();
      clip_.write(std::move(pic));
      return;
    }
    if (fade_ == 0) {
      clip_.write(std::move(pic));
      return;
    }
    ring_.push_back(std::move(pic));
    if (ring_.size() > static_cast<std::size_t>(fade_)) {
      clip_.write(std::move(ring_.front()));
      ring_.pop_front();
    }
  }
  output::ClipWriter& clip_;
  Rational rate_, tb_;
  int fade_, sample_rate_, channels_;
  std::optional<std::int64_t> first_;
  std::int64_t held_pts_ = 0;
  std::int64_t window_first_ = 0, slots_ = 0;
  Yuv420 held_;
  bool have_ = false;
  std::deque<Yuv420> ring_, tail_;  // this window's last slots; the previous window's, being faded
  int fade_total_ = 0, blended_ = 0;
  std::vector<float> sound_tail_;  // the previous window's last sound, as its held slots
};

// Pass 2: full-resolution frames at the keyframes, and the clip segments around them.
// Pass 2: the keyframe images, the contact sheet and the clip, written into `dir`. One object per summary; its
// steps in the order run() takes them.
class VisualsWriter {
 public:
  VisualsWriter(const SummarizeConfig& cfg, SummaryResult& res, const std::string& dir, const ProgressFn& progress)
      : cfg_(cfg), res_(res), info_(res.info), dir_(dir), progress_(progress) {}

  void run() {
    if (!cfg_.write_keyframes && !cfg_.write_sheet && !cfg_.write_clip) return;
    // The clip's sound: for each window, the input's audio from its first frame's time for as long as its pictures
    // last, so that sound and pictures start together at every joint.
    const bool clip_sound = cfg_.write_clip && cfg_.clip_audio;
    if (!info_.audio_codec.empty() && (clip_sound || cfg_.write_sheet)) open_audio();
    if (!clip_sound) audio_.reset();
    sound_ = {audio_ ? audio_->sample_rate() : 0, audio_ ? audio_->channels() : 0};
    encode_clip_ = cfg_.write_clip && !try_copy_clip();
    if (!cfg_.write_keyframes && !cfg_.write_sheet && !encode_clip_) return;
    if (!encode_clip_) audio_.reset();
    set_up_sheet();
    decode::FFmpegSource src(cfg_.input, decode_options());
    if (encode_clip_) open_clip();
    // Fast mode without a clip to encode: each keyframe is a key frame, decoded alone (nothing before or after it).
    single_key_frames_ = cfg_.keyframes_only && !res_.fast_fallback && !encode_clip_;
    if (single_key_frames_) decode_key_frames_in_parallel();
    for (const auto& w : windows()) decode_window(src, w);
    drop_lost_keyframes();
    if (clip_) {
      if (pacer_->slots() == 0)
        throw input_unreadable("cannot read video '" + cfg_.input +
                               "': no frame of the summary clip could be decoded (broken timestamps?)");
      pacer_->finish();
      clip_->close();
    }
    if (cfg_.write_sheet) write_sheet();
  }

 private:
  // The sound as decoded: what the sheet's header says of it comes from its first frame, not from the container's
  // header (which may say 2 channels for mono MP3 in MP4).
  void open_audio() {
    audio_ = decode::AudioReader::open(cfg_.input);
    res_.info.audio_channels = audio_ ? audio_->facts().channels : 0;
    if (audio_) res_.info.audio_codec = audio_->facts().codec;
  }

  // Fast mode: the keyframes are the input's key frames, so each clip segment can start at one and be copied packet
  // for packet (no decoding or encoding at all); the sound is encoded again segment by segment. False when the
  // container cannot hold the codec or the input's timestamps do not allow a copy: the clip is then encoded.
  bool try_copy_clip() {
    if (!(cfg_.write_clip && cfg_.keyframes_only && !res_.fast_fallback && cfg_.clip_copy)) return false;
    auto copier =
        output::ClipCopier::open(cfg_.input, (fs::path(dir_) / cfg_.clip_name).string(), audio_ ? &sound_ : nullptr);
    if (!copier) return false;
    std::int64_t written = 0;  // sample frames of sound so far
    for (const auto& w : merged_windows(res_.keyframes, 0.0, cfg_.clip_seconds)) {
      output::ClipCopier::CopiedSpan span;
      if (!copier->append(w.start_seconds(), w.end_seconds(), &span)) return false;
      if (!audio_ || span.until <= span.from) continue;
      // Silence where the pictures left a gap, then the segment's own sound for exactly as long as its pictures.
      const double rate = audio_->sample_rate();
      const std::int64_t at = std::llround(span.at * rate),
                         until = std::llround((span.at + span.until - span.from) * rate);
      if (at > written) {
        copier->write_audio(std::vector<float>(
            static_cast<std::size_t>(at - written) * static_cast<std::size_t>(sound_.channels), 0.0f));
        written = at;
      }
      if (until > written)
        copier->write_audio(audio_->read(span.from + static_cast<double>(written - at) / rate, until - written));
      written = std::max(written, until);
    }
    if (copier->packets() == 0) return false;
    copier->close();
    res_.clip_codec = copier->codec();
    res_.clip_audio = copier->audio_codec();
    res_.clip_mode = "copy";
    return true;
  }

  // The clip's size: at most clip_max_height lines, the input's aspect ratio, even sides (4:2:0).
  int clip_height() const { return std::max(2, std::min(info_.height, cfg_.clip_max_height)) / 2 * 2; }
  int clip_width() const {
    return std::max(2, static_cast<int>(std::lround(1.0 * info_.width * clip_height() / info_.height))) / 2 * 2;
  }

  // Whether a frame shown at `pts` is the current window's next keyframe (or the first frame after it, if it was
  // lost).
  bool reaches_next_key(std::int64_t pts) const {
    return window_ && next_key_ < window_->keys.size() && pts >= res_.keyframes[window_->keys[next_key_]].ts.pts;
  }

  // Every frame; clip frames converted straight to the clip's size in YUV, the keyframes themselves (the first frame
  // at or after each keyframe's pts: the keyframe, or the one after it if it was lost) at full size in RGB.
  decode::DecodeOptions decode_options() const {
    decode::DecodeOptions o;
    o.sample_fps = 0;
    o.threads = cfg_.threads;
    o.hwaccel = cfg_.hwaccel;
    if (encode_clip_) {
      o.out_width = clip_width();
      o.out_height = clip_height();
      o.yuv420 = true;
      o.native_size_for = [this](const Timestamp& ts) { return reaches_next_key(ts.pts); };
    }
    return o;
  }

  void open_clip() {
    clip_ = std::make_unique<output::ClipWriter>((fs::path(dir_) / cfg_.clip_name).string(), info_.frame_rate,
                                                 clip_width(), clip_height(), audio_ ? &sound_ : nullptr);
    res_.clip_codec = clip_->codec();
    res_.clip_audio = clip_->audio_codec();
    res_.clip_mode = "encode";
    const Rational rate = info_.frame_rate.valid() ? info_.frame_rate : Rational{25, 1};  // (frame_seconds' rule)
    pacer_ = std::make_unique<ClipPacer>(*clip_, rate, info_.time_base,
                                         static_cast<int>(std::lround(cfg_.clip_crossfade / frame_seconds(info_))),
                                         sound_.sample_rate, sound_.channels);
  }

  // The window's sound: from `from`, as long as the pictures written so far last in all.
  void add_sound(double from, std::int64_t pictures_before, std::int64_t pictures) {
    if (!audio_ || pictures <= 0) return;
    const std::int64_t until =
        std::llround(static_cast<double>(pictures_before + pictures) * audio_->sample_rate() * frame_seconds(info_));
    pacer_->sound(audio_->read(from, until - samples_written_));
    samples_written_ = until;
  }

  // Windows centred on the keyframes (in fast mode the keyframes are key frames, and a window that starts at one
  // needs no decoding before it); without a clip to encode, each keyframe is a point. Frame-exact shots keep each
  // stretch inside its keyframe's shot (stream seconds; the next shot's first frame out), --start/--end inside the
  // stretch summarized.
  std::vector<Window> windows() const {
    if (!encode_clip_) return merged_windows(res_.keyframes, 0.0, 0.0);
    const double before = cfg_.keyframes_only ? 0.0 : cfg_.clip_seconds / 2, after = cfg_.clip_seconds - before;
    std::vector<std::pair<double, double>> bounds;
    const double half_frame = 0.5 * frame_seconds(info_);
    if (res_.shot_detection == "frames") {  // from the exported spans (--end clamps the last one), by sample shot
      bounds.resize(res_.shots.size());
      for (const auto& span : res_.shot_spans)
        if (span.sample_shot >= 0)
          bounds[static_cast<std::size_t>(span.sample_shot)] = {info_.start + span.start,
                                                                info_.start + span.end - half_frame};
    } else if (cfg_.start_seconds > 0 || cfg_.end_seconds > 0) {
      const double lo = info_.start + cfg_.start_seconds, hi = cfg_.end_seconds > 0
                                                                   ? info_.start + cfg_.end_seconds - half_frame
                                                                   : std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < res_.shots.size(); ++i) bounds.emplace_back(lo, hi);
    }
    return merged_windows(res_.keyframes, before, after, bounds.empty() ? nullptr : &bounds);
  }

  // Each keyframe image is written as soon as it is decoded; the sheet keeps only a thumbnail of it, so memory does
  // not grow with the keyframes' resolution (an hour of 4K holds 360 keyframes of 24.9 MB at full size).
  void set_up_sheet() {
    sheet_opts_.columns = cfg_.sheet_columns;
    if (cfg_.sheet_width > 0) {  // tiles and gaps (8 pixels, SheetOptions) fill the width asked for
      const int n = static_cast<int>(res_.keyframes.size());
      const int cols =
          std::max(2, cfg_.sheet_columns > 0 ? cfg_.sheet_columns
                                             : std::max(1, static_cast<int>(std::ceil(std::sqrt(n * 1.0)))));
      sheet_opts_.tile_width = std::max(32, (cfg_.sheet_width - 8) / cols - 8);
    }
    thumbs_.assign(res_.keyframes.size(), Image{});
    have_.assign(res_.keyframes.size(), 0);
    // Not create_directories: after an interruption has removed the temporary folder, nothing may make it again.
    if (cfg_.write_keyframes) fs::create_directory(fs::path(dir_) / "keyframes");
  }

  // Keyframe `key`'s image: written, thumbnailed for the sheet, counted. Safe to call from several threads for
  // different keys.
  void keep(std::size_t key, const Image& image) {
    if (cfg_.write_keyframes) output::write_image((fs::path(dir_) / res_.keyframes[key].image).string(), image);
    if (cfg_.write_sheet) thumbs_[key] = output::thumbnail(image, 2 * sheet_opts_.tile_width);
    have_[key] = 1;
    std::lock_guard<std::mutex> lock(progress_mutex_);
    ++done_;
    if (progress_)
      progress_("write", static_cast<std::int64_t>(done_), static_cast<std::int64_t>(res_.keyframes.size()));
  }

  // Single key frames: decoded and written by several workers, each with its own decoder, one core each.
  void decode_key_frames_in_parallel() {
    const int workers = std::min<int>(cores_to_use(cfg_), static_cast<int>(res_.keyframes.size()) / 4);
    if (workers <= 1) return;
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
      threads.emplace_back([&, w] {
        try {
          decode::DecodeOptions one = decode_options();
          one.threads = 1;
          one.hwaccel = "none";  // one frame each: a CPU core does it sooner than a new NVDEC session
          decode::FFmpegSource own(cfg_.input, one);
          for (std::size_t key; (key = next++) < res_.keyframes.size();) {
            decode::Frame f;
            if (own.decode_key_frame(res_.keyframes[key].ts.pts, f)) keep(key, f.image);
          }
        } catch (...) {
          errors[static_cast<std::size_t>(w)] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  // One window: its keyframes kept, its frames paced into the clip, its sound added.
  void decode_window(decode::FFmpegSource& src, const Window& w) {
    window_ = &w;
    next_key_ = 0;
    if (single_key_frames_) {
      bool all = true;
      for (std::size_t key : w.keys) {
        decode::Frame f;
        if (!have_[key] && src.decode_key_frame(res_.keyframes[key].ts.pts, f)) keep(key, f.image);
        all = all && have_[key];
      }
      if (all) return;  // else decode the window as below (the source was repositioned there)
    }
    src.go_to(w.first());
    decode::Frame f;
    if (pacer_) pacer_->begin();
    std::optional<std::int64_t> after_window;  // where the first frame after the window is shown
    while (src.next(f)) {
      const bool after = f.ts.pts > w.end;
      if (after && !after_window) after_window = f.ts.pts;
      if (after && next_key_ >= w.keys.size()) break;
      while (reaches_next_key(f.ts.pts)) {
        // The keyframe itself (or the first frame after a lost one), unless it was already decoded alone.
        if (!have_[w.keys[next_key_]]) keep(w.keys[next_key_], f.image);
        ++next_key_;
      }
      if (pacer_ && !after) pacer_->add(f.ts.pts, std::move(f.yuv));
    }
    if (pacer_) {
      // The last frame lasts until the next one, or the stream's end (else one slot); at most a frame past the
      // window's end.
      std::int64_t until = w.end + Timestamp::nearest(frame_seconds(info_), w.time_base).pts;
      if (after_window)
        until = std::min(until, *after_window);
      else
        until = info_.duration > 0 ? std::min(until, Timestamp::nearest(info_.start + info_.duration, w.time_base).pts)
                                   : std::numeric_limits<std::int64_t>::min();
      pacer_->end(until);
      add_sound(pacer_->window_start(), pacer_->window_first(), pacer_->slots() - pacer_->window_first());
    }
  }

  // Keyframes whose frame pass 2 did not find again (timestamps that restart or jump, an input that changed since
  // pass 1) are dropped from the summary and reported: the manifest lists only what was written.
  void drop_lost_keyframes() {
    const auto dropped = static_cast<std::size_t>(std::count(have_.begin(), have_.end(), false));
    if (dropped == 0 || !(cfg_.write_keyframes || cfg_.write_sheet)) return;
    if (dropped == have_.size())
      throw input_unreadable(
          "cannot read video '" + cfg_.input + "': none of the " + std::to_string(dropped) +
          " keyframes could be decoded again (its timestamps restart or jump, or it changed while being read)");
    std::vector<Keyframe> kept;
    std::vector<Image> kept_thumbs;
    for (std::size_t i = 0; i < have_.size(); ++i) {
      if (!have_[i]) continue;
      kept.push_back(res_.keyframes[i]);
      kept_thumbs.push_back(std::move(thumbs_[i]));
    }
    res_.warnings.push_back(std::to_string(dropped) + " keyframe(s) could not be decoded again and were dropped " +
                            "(timestamps that restart or jump, or an input that changed while being read)");
    res_.keyframes = std::move(kept);
    thumbs_ = std::move(kept_thumbs);
  }

  void write_sheet() {
    std::vector<output::SheetTile> tiles;
    for (std::size_t i = 0; i < thumbs_.size(); ++i)
      tiles.push_back({&thumbs_[i], format_time(res_.keyframes[i].ts.seconds() - info_.start)});
    char line[512];
    std::snprintf(line, sizeof line, "%s", fs::path(cfg_.input).filename().string().c_str());
    sheet_opts_.header.push_back(line);
    // Header: what vcsi users expect to see (size, bitrate, audio), the frame rate as a decimal.
    std::string meta = format_time(std::max(0.0, info_.duration)) + "  |  " + format_bytes(info_.file_size);
    if (info_.bit_rate > 0) meta += ", " + std::to_string((info_.bit_rate + 500) / 1000) + " kb/s";
    meta += "  |  " + std::to_string(info_.width) + "x" + std::to_string(info_.height) + " " + info_.codec + " " +
            format_rate(info_.frame_rate) + " fps";
    meta += "  |  " + (info_.audio_codec.empty()
                           ? std::string("no audio")
                           : "audio " + info_.audio_codec +
                                 (info_.audio_channels > 0 ? " " + plural(info_.audio_channels, "channel") : ""));
    meta += "  |  " + plural(static_cast<long long>(res_.keyframes.size()), "keyframe") + " of " +
            plural(res_.sampled, "sample") + "  |  " + cfg_.selector;
    std::snprintf(line, sizeof line, "%s", meta.c_str());
    sheet_opts_.header.push_back(line);
    output::write_image((fs::path(dir_) / cfg_.sheet_name).string(), output::make_contact_sheet(tiles, sheet_opts_));
  }

  const SummarizeConfig& cfg_;
  SummaryResult& res_;
  const decode::VideoInfo& info_;
  const std::string& dir_;
  const ProgressFn& progress_;
  std::unique_ptr<decode::AudioReader> audio_;
  output::ClipAudio sound_{0, 0};
  bool encode_clip_ = false;
  bool single_key_frames_ = false;
  std::unique_ptr<output::ClipWriter> clip_;
  std::unique_ptr<ClipPacer> pacer_;
  std::int64_t samples_written_ = 0;  // of sound, so far
  const Window* window_ = nullptr;    // the one being decoded
  std::size_t next_key_ = 0;          // its first keyframe not yet seen
  output::SheetOptions sheet_opts_;
  std::vector<Image> thumbs_;
  std::vector<char> have_;  // (char: workers set their own keyframes' slots)
  std::size_t done_ = 0;
  std::mutex progress_mutex_;
};

void write_visuals(const SummarizeConfig& cfg, SummaryResult& res, const std::string& dir, const ProgressFn& progress) {
  VisualsWriter(cfg, res, dir, progress).run();
}

// The settings of options_record (each a value the user can set; defaults included, so that a changed default counts).
nlohmann::json options_json(const SummarizeConfig& c) {
  using nlohmann::json;
  const auto& t = c.transitions;
  return {{"budget", c.budget.rule()},
          {"k", c.budget.k()},
          {"fraction", c.budget.share()},
          {"sample_fps", c.sample_fps},
          {"fast", c.keyframes_only},
          {"features", c.embedder.features},
          {"model", c.embedder.model},
          {"selector", c.selector},
          {"optimizer", c.optimizer},
          {"metric", select::to_string(c.metric)},
          {"per_shot", c.per_shot},
          {"clip_seconds", c.clip_seconds},
          {"clip_crossfade", c.clip_crossfade},
          {"clip_height", c.clip_max_height},
          {"clip_copy", c.clip_copy},
          {"clip_audio", c.clip_audio},
          {"seed", c.seed},
          {"outputs", {c.write_sheet, c.write_clip, c.write_keyframes, c.write_exports}},
          {"names", {c.sheet_name, c.clip_name, c.json_name}},
          {"start", c.start_seconds},
          {"end", c.end_seconds},
          {"grid", c.sheet_columns},
          {"sheet_width", c.sheet_width},
          {"shots", c.detect_shots},
          {"shot_threshold", t.threshold},
          {"min_shot_length", t.min_shot_seconds}};
}

// One piece: the manifest's layout, key by key as docs/formats.md lists them (pinned by tests/golden/summary.json).
nlohmann::json to_json(const SummarizeConfig& cfg, const SummaryResult& r) {
  using nlohmann::json;
  json kf = json::array();
  for (const auto& k : r.keyframes)
    kf.push_back({{"time", k.ts.seconds() - r.info.start},
                  {"pts", k.ts.pts},
                  {"frame", k.frame},
                  {"sample", k.sample},
                  {"shot", k.shot},
                  {"gain", k.gain},
                  {"image", k.image.empty() ? json(nullptr) : json(k.image)}});
  json shots = json::array();
  for (const auto& span : r.shot_spans) {
    const bool sampled = span.sample_shot >= 0;
    const segment::Shot* s = sampled ? &r.shots[static_cast<std::size_t>(span.sample_shot)] : nullptr;
    shots.push_back({{"start", span.start},
                     {"end", span.end},
                     {"start_frame", span.start_frame},
                     {"end_frame", span.end_frame},
                     {"transition", span.transition},
                     {"fade_in", span.transition == "fade"},
                     {"first_sample", sampled ? json(s->first) : json(nullptr)},
                     {"last_sample", sampled ? json(s->last) : json(nullptr)},
                     {"end_exclusive", span.end}});
  }
  json transitions = json::array();
  for (const auto& t : r.transitions)
    transitions.push_back({{"kind", t.kind == segment::TransitionKind::Cut ? "flash" : segment::to_string(t.kind)},
                           {"first_frame", t.first},
                           {"last_frame", t.last},
                           {"start", t.start},
                           {"end", t.end}});
  const auto& i = r.info;
  return {
      {"tool", "cords-summarize"},
      {"version", CORDS_VERSION_STRING},
      {"input",
       {{"path", cfg.input},
        {"container", i.container},
        {"codec", i.codec},
        {"pixel_format", i.pixel_format},
        {"width", i.width},
        {"height", i.height},
        {"rotation", i.rotation},
        {"fps", {{"num", i.frame_rate.num}, {"den", i.frame_rate.den}, {"value", i.frame_rate.value()}}},
        {"time_base", i.time_base.str()},
        {"start_time", i.start},
        {"duration", i.duration},
        {"frame_count", i.frame_count},
        {"decoded_on", i.hwaccel.empty() ? "cpu" : i.hwaccel}}},
      {"parameters",
       {{"fraction", cfg.budget.kind() == select::Budget::Kind::Fraction ? json(cfg.budget.share()) : json(nullptr)},
        {"budget", cfg.budget.k()},
        {"budget_rule", r.budget_rule},
        {"sample_fps", cfg.sample_fps},
        {"start", cfg.start_seconds},
        {"end", cfg.end_seconds > 0 ? json(cfg.end_seconds) : json(nullptr)},
        {"keyframes_only", cfg.keyframes_only},
        {"features", cfg.embedder.features},
        {"embedder", r.embedder},
        {"model", cfg.embedder.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.embedder.model)},
        {"selector", cfg.selector},
        {"optimizer", cfg.optimizer},
        {"metric", select::to_string(cfg.metric)},
        {"per_shot", cfg.per_shot || r.budget_rule == "auto"},
        {"clip_seconds", cfg.clip_seconds},
        {"clip_crossfade", cfg.clip_crossfade},
        {"seed", cfg.seed}}},
      {"sampled_frames", r.sampled},
      {"fast_fallback", r.fast_fallback},
      {"options", options_json(cfg)},
      {"sampled_every_frame", r.every_frame},
      {"excluded_samples", r.excluded_samples},
      {"skipped_corrupt", r.decode_skipped},
      {"shot_detection", r.shot_detection},
      {"shots", shots},
      {"transitions", transitions},
      {"keyframes", kf},
      {"objective", r.objective},
      {"outputs",
       {{"sheet", cfg.write_sheet ? json(cfg.sheet_name) : json(nullptr)},
        {"clip", cfg.write_clip ? json(cfg.clip_name) : json(nullptr)},
        {"clip_codec", r.clip_codec},
        {"clip_mode", r.clip_mode},
        {"clip_audio", r.clip_audio.empty() ? json(nullptr) : json(r.clip_audio)},
        {"exports", cfg.write_exports ? json::array({"shots.csv", "chapters.vtt"}) : json::array()}}},
      {"warnings", json(r.warnings)},
      {"decode_workers", r.decode_workers},
      {"candidate_fps", r.candidate_fps > 0 ? json(r.candidate_fps) : json(nullptr)},
      {"near_duplicates", r.near_duplicates},
      {"timings_s",
       {{"decode_embed", r.decode_embed_s}, {"select", r.select_s}, {"write", r.write_s}, {"total", r.total_s}}},
  };
}

}  // namespace

namespace {

// The output folder as a name its temporary sibling can be made beside: "new/" is "new", and "." or "a/.." (the
// working folder, a parent) are their absolute paths; otherwise as given. (DIR.tmp-PID for "new/" was "new/.tmp-PID",
// inside the very folder that was to be replaced.)
std::string folder_name(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  if (p.filename() == "." || p.filename() == ".." || p.filename().empty()) p = fs::absolute(p).lexically_normal();
  if (p.filename().empty() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

// What pass 1 gave: fails when there is nothing to summarize or the budget cannot be met; records in res.warnings
// what degraded the input (data that ends early, timestamps that go back, corrupt packets).
void check_samples(const SummarizeConfig& cfg, const Samples& s, const DecodeReport& seen, SummaryResult& res) {
  if (s.n() == 0) throw input_unreadable("cannot read video '" + cfg.input + "': no frame could be decoded");
  const double data_s = seen.data_seconds, declared_s = res.info.duration;
  if (declared_s > 0 && data_s >= 0 && data_s < 0.95 * declared_s - 0.5) {
    char why[160];
    std::snprintf(why, sizeof why,
                  "the video data ends at %.1f s of the %.1f s its header declares (truncated, or still being written)",
                  data_s, declared_s);
    res.warnings.push_back(why);
  }
  // A header that says less than the data holds (a duration estimated from the bit rate: an MPEG elementary stream
  // "of 0.01 s" that lasts 4 s): the duration is what was read, so that times and clips stay inside the video.
  if (data_s > 0 && data_s > declared_s && cfg.end_seconds <= 0) res.info.duration = data_s;
  if (seen.backwards > 0)
    res.warnings.push_back(std::to_string(seen.backwards) +
                           " frame(s) whose timestamps go back in time (recordings joined "
                           "byte for byte?) were not sampled");
  if (res.decode_skipped > 0)
    res.warnings.push_back(std::to_string(res.decode_skipped) +
                           " corrupt packet(s) or frame(s) skipped (a damaged or truncated file)");
}

// Pass 1 again, decoding every frame (no key-frame-only decoding) and sampling at `sample_fps` (0: every frame);
// returns true.
bool sample_again(const SummarizeConfig& cfg, double sample_fps, decode::DecodeOptions& dopt, embed::Embedder& emb,
                  const ProgressFn& progress, Samples& s, DecodeReport& seen,
                  std::vector<segment::FrameStat>& frame_stats) {
  dopt.keyframes_only = false;
  dopt.frame_stats = cfg.detect_shots;
  dopt.sample_fps = sample_fps;
  decode::FFmpegSource src(cfg.input, dopt);
  s = decode_and_embed(src, emb, sample_fps, progress);
  seen = report_of(src);
  frame_stats = src.take_frame_stats();
  return true;
}

// Pass 1: samples decoded and embedded (by several range decoders on long inputs), with the decoder's report; a
// short input with a single key frame is sampled normally in fast mode. Checks that there is something to
// summarize and records what degraded the input in res.warnings.
Samples sample_video(const SummarizeConfig& cfg, embed::Embedder& emb, SummaryResult& res, const ProgressFn& progress,
                     std::vector<segment::FrameStat>& frame_stats) {
  decode::DecodeOptions dopt;
  dopt.sample_fps = cfg.sample_fps;
  dopt.keyframes_only = cfg.keyframes_only;
  dopt.out_width = emb.input_width();
  dopt.out_height = emb.input_height();
  dopt.threads = cfg.threads;
  dopt.hwaccel = cfg.hwaccel;
  dopt.frame_stats = cfg.detect_shots && !cfg.keyframes_only;  // frame-exact shots need every decoded frame
  dopt.range_start = cfg.start_seconds;                        // --start/--end: one decoder over that stretch (below)
  dopt.range_end = cfg.end_seconds;
  dopt.skip_loop_filter = true;  // the samples are small: deblocking is invisible there (pass 2 keeps it)
  auto src = std::make_unique<decode::FFmpegSource>(cfg.input, dopt);
  res.info = src->info();
  if (res.info.duration > 0 && cfg.start_seconds >= res.info.duration)
    throw invalid_argument("--start " + format_time(cfg.start_seconds) + " is past the video's end (" +
                           format_time(res.info.duration) + ")");
  const double candidates_fps = candidate_fps(cfg, stretch_seconds(cfg, res.info));
  if (candidates_fps < dopt.sample_fps) {  // long input, --fast: fewer key frames than it has
    dopt.sample_fps = candidates_fps;
    src = std::make_unique<decode::FFmpegSource>(cfg.input, dopt);
    res.candidate_fps = candidates_fps;
  }
  if (!res.info.hwaccel_note.empty()) res.warnings.push_back(res.info.hwaccel_note);

  Stopwatch sw;
  const int cores = cores_to_use(cfg);
  const int parts = cfg.start_seconds > 0 || cfg.end_seconds > 0 ? 1 : range_decoders(res.info, cores);
  DecodeReport seen;
  Samples s;
  if (parts > 1) {
    src.reset();
    s = decode_and_embed_ranges(cfg, dopt, res.info, parts, cores, emb, progress, seen, frame_stats);
  } else {
    s = decode_and_embed(*src, emb, dopt.sample_fps, progress);
    seen = report_of(*src);
    frame_stats = src->take_frame_stats();
  }
  // A short input with a single key frame: fast mode has nothing to choose from, so sample it normally. Shorter than
  // one sampling period (a 0.3 s clip, a single frame): every frame it has is a sample.
  if (cfg.keyframes_only && s.n() < 2)
    res.fast_fallback = sample_again(cfg, cfg.sample_fps, dopt, emb, progress, s, seen, frame_stats);
  if (s.n() < 2 && dopt.sample_fps > 0)
    res.every_frame = sample_again(cfg, 0, dopt, emb, progress, s, seen, frame_stats);
  if (res.fast_fallback || res.every_frame) res.candidate_fps = 0;
  res.decode_embed_s = sw.seconds();
  res.decode_workers = parts;
  res.info.pixel_format = seen.pixel_format;  // as decoded (the header may not say, or say otherwise)
  if (seen.width > 0 && seen.height > 0) {
    res.info.width = seen.width;
    res.info.height = seen.height;
  }
  if (!res.info.frame_rate.valid()) res.info.frame_rate = seen.frame_rate;  // likewise, from the timestamps
  res.sampled = s.n();
  res.decode_skipped = seen.skipped;  // of the pass that produced the samples
  check_samples(cfg, s, seen, res);
  return s;
}

// Shots: off (one shot), frame-exact from every decoded frame's statistics, or on the samples. Fills res.shots,
// res.shot_spans (clamped to --end), res.transitions and res.shot_detection; returns the transitions found.
segment::Transitions find_shots(const SummarizeConfig& cfg, const Samples& s, const embed::Embedder& emb,
                                const std::vector<segment::FrameStat>& frame_stats, SummaryResult& res) {
  const bool own_hist = s.hist.empty();
  const MatrixView h{own_hist ? s.rows.data() : s.hist.data(), s.n(),
                     own_hist ? emb.dim() : static_cast<Index>(s.hist.size() / static_cast<std::size_t>(s.n()))};
  segment::Transitions tr;
  if (!cfg.detect_shots) {  // one shot, the whole video
    res.shot_detection = "off";
    res.shots = {segment::Shot{0, s.n() - 1, 0.0, s.seconds.back(), false}};
    res.shot_spans = shot_spans(res.shots, s, res.info);
  } else if (frame_stats.size() >= 2) {  // frame-exact, from every decoded frame
    res.shot_detection = "frames";
    if (const char* dump = std::getenv("CORDS_DUMP_FRAME_STATS")) {  // for tuning the detector (docs/video.md)
      std::string csv = "frame,seconds,diff,diff2,diff3,luma,spread,span,mix\n";
      for (const auto& f : frame_stats) {
        char line[200];
        std::snprintf(line, sizeof line, "%lld,%.4f,%.2f,%.2f,%.2f,%.1f,%.1f,%.2f,%.2f\n",
                      static_cast<long long>(f.frame), f.seconds, f.diff, f.diff2, f.diff3, f.luma, f.spread, f.span,
                      f.mix);
        csv += line;
      }
      write_output_file(dump, csv, {cfg.input});  // a path the user named: the safety rules of docs/cli.md
    }
    tr = segment::detect_transitions(frame_stats, cfg.transitions);
    frame_shots(tr, frame_stats, s, res.info, cfg, res.shots, res.shot_spans);
    res.transitions = tr.spans;
  } else {
    res.shot_detection = "samples";
    res.shots = segment::detect_shots(h, s.luma, s.seconds, cfg.shots);
    res.shot_spans = shot_spans(res.shots, s, res.info);
  }
  if (cfg.end_seconds > 0 && !res.shot_spans.empty() && res.shot_spans.back().end > cfg.end_seconds) {  // --end
    const double frame_s = frame_seconds(res.info);
    res.shot_spans.back().end = std::max(res.shot_spans.back().start, cfg.end_seconds);
    res.shot_spans.back().end_frame = std::max(res.shot_spans.back().start_frame + 1,
                                               static_cast<std::int64_t>(std::llround(cfg.end_seconds / frame_s)));
  }
  return tr;
}

// The samples keyframes may be chosen from (docs/video.md, "Keyframes").
std::vector<std::int64_t> candidate_samples(const Samples& s, const SummaryResult& res, const segment::Transitions& tr,
                                            const std::vector<std::int64_t>& shot_of, const SummarizeConfig& cfg) {
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

// The number of keyframes: from --budget or --fraction, or automatic (every shot gets one; run.per_shot set). With
// fewer clean candidates than that, every sample becomes a candidate.
std::int64_t keyframe_count(const SummarizeConfig& cfg, const Samples& s, std::vector<std::int64_t>& candidates,
                            const std::vector<std::int64_t>& shot_of, SummaryResult& res, SummarizeConfig& run) {
  std::int64_t k = 0;
  const double seconds = stretch_seconds(cfg, res.info);
  const bool fraction = cfg.budget.kind() == select::Budget::Kind::Fraction;
  if (fraction && cfg.keyframes_only && !res.fast_fallback && seconds > 0) {
    // Of the samples a full run would take (candidate_fps); at most the key frames found.
    res.budget_rule = "fraction";
    const auto asked = static_cast<std::int64_t>(fraction_keyframes(cfg, seconds));
    k = std::min(asked, s.n());
    if (k < asked)
      res.warnings.push_back("--fraction asks for " + std::to_string(asked) + " keyframes, more than the " +
                             std::to_string(s.n()) + " key frames --fast found: all of them are keyframes");
  } else if (!cfg.budget.automatic()) {
    res.budget_rule = cfg.budget.rule();
    try {
      k = cfg.budget.resolve(s.n(), "sampled frames");
    } catch (const Error& e) {
      throw invalid_argument(std::string(e.what()) + "; lower --budget or " +
                             (cfg.keyframes_only && !res.fast_fallback ? "drop --fast (it samples key frames only)"
                                                                       : "raise --sample-fps"));
    }
  } else {  // automatic: every shot gets a keyframe
    res.budget_rule = "auto";
    std::set<std::int64_t> shots_with_candidates;
    for (auto i : candidates) shots_with_candidates.insert(shot_of[static_cast<std::size_t>(i)]);
    k = auto_budget(s.n(), static_cast<std::int64_t>(candidates.size()),
                    static_cast<std::int64_t>(shots_with_candidates.size()));
    run.per_shot = true;
  }
  if (static_cast<std::int64_t>(candidates.size()) < k) {  // too few clean frames for k: every sample is a candidate
    candidates.resize(static_cast<std::size_t>(s.n()));
    for (std::int64_t i = 0; i < s.n(); ++i) candidates[static_cast<std::size_t>(i)] = i;
  }
  return k;
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

// One piece: the pipeline's steps in order, each a call; what is left is handing results from one to the next.
SummaryResult run_summarize(const SummarizeConfig& asked, const ProgressFn& progress, embed::Embedder* shared) {
  Stopwatch total;
  validate_config(asked);
  SummaryResult res;
  SummarizeConfig cfg = asked;
  if (cfg.write_sheet && !output::contact_sheet_available()) {  // a build without OpenCV (the GPU machine's)
    cfg.write_sheet = false;
    res.warnings.push_back("this build has no OpenCV: no contact sheet was drawn");
  }
  res.output_dir = cfg.output_dir.empty() ? default_output_dir(cfg.input) : folder_name(cfg.output_dir);
  check_summary_destination(res.output_dir, cfg.input, cfg.force, cfg.json_name);
  remove_stale_temporaries(res.output_dir, cfg.json_name);  // what a killed run left beside it

  // A bad input fails before the model is loaded (about 2 s for the CNN): opening it checks what the decoder can.
  if (!shared && cfg.embedder.features != "histogram") decode::FFmpegSource(cfg.input, decode::DecodeOptions{});
  std::unique_ptr<embed::Embedder> owned = shared ? nullptr : make_embedder(cfg);
  embed::Embedder* emb = shared ? shared : owned.get();
  std::vector<segment::FrameStat> frame_stats;
  Samples s = sample_video(cfg, *emb, res, progress, frame_stats);
  res.embedder = emb->name();

  Stopwatch sw;
  const segment::Transitions tr = find_shots(cfg, s, *emb, frame_stats, res);
  const auto shot_of = segment::shot_labels(res.shots, s.n());
  std::vector<std::int64_t> candidates = candidate_samples(s, res, tr, shot_of, cfg);
  std::vector<double> gains;
  SummarizeConfig run = cfg;
  const std::int64_t k = keyframe_count(cfg, s, candidates, shot_of, res, run);
  res.excluded_samples = s.n() - static_cast<std::int64_t>(candidates.size());
  auto chosen = choose(s, emb->dim(), k, run, shot_of, candidates, gains, res.objective);
  if (!run.per_shot && baseline_of(cfg.selector) == Baseline::None)
    cover_every_shot(s, emb->dim(), shot_of, candidates, chosen, gains);
  const std::int64_t repeats = replace_near_duplicates(s, shot_of, candidates, chosen, gains);
  if (repeats > 0)
    res.warnings.push_back(
        std::to_string(repeats) + " keyframe(s) repeat an earlier one (their pictures differ by less than " +
        std::to_string(static_cast<int>(kNearDuplicate)) + "/255): the budget exceeds the distinct content");
  res.near_duplicates = repeats;
  res.select_s = sw.seconds();

  for (std::size_t t = 0; t < chosen.size(); ++t) {
    const auto i = static_cast<std::size_t>(chosen[t]);
    Keyframe kf{s.ts[i], s.frame[i], chosen[t], shot_of[i], gains[t], ""};
    if (cfg.write_keyframes) kf.image = keyframe_name(s.seconds[i], s.frame[i]);
    res.keyframes.push_back(kf);
  }
  std::sort(res.keyframes.begin(), res.keyframes.end(),
            [](const Keyframe& a, const Keyframe& b) { return a.sample < b.sample; });

  // Everything is written into a temporary sibling directory, renamed into place at the end (summary_dir.h).
  sw.restart();
  TempSummaryDir tmp(res.output_dir, {cfg.json_name, cfg.sheet_name, cfg.clip_name, "shots.csv", "chapters.vtt"});
  write_visuals(cfg, res, tmp.path(), progress);
  res.write_s = sw.seconds();
  res.total_s = total.seconds();
  if (cfg.write_exports) {
    write_file_atomic((fs::path(tmp.path()) / "shots.csv").string(), shots_csv(res.shot_spans));
    write_file_atomic((fs::path(tmp.path()) / "chapters.vtt").string(), chapters_vtt(res.shot_spans));
  }
  write_file_atomic((fs::path(tmp.path()) / cfg.json_name).string(), json_text(to_json(cfg, res)));
  tmp.commit(res.output_dir, cfg.input, cfg.json_name);
  return res;
}

std::string options_record(const SummarizeConfig& cfg) {
  return options_json(cfg).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cords::pipeline
