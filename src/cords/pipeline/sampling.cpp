#include "cords/pipeline/sampling.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <utility>

#include "cords/core/bounded_queue.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/decode/frame_source.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/select/budget.h"

namespace cords::pipeline {
namespace {

// Pass 1: sampled, small frames -> embeddings, with decoding on its own thread.
// One piece: the decoding thread, the bounded queue and the batched consumer share the queue and the batch.
Samples decode_and_embed(decode::FrameSource& src, embed::Embedder& emb, double sample_fps, const ProgressFn& progress,
                         const ThumbRule& thumbs) {
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
      if (thumbs.every > 0) {  // the first sample of each interval, stretched back to the display aspect
        const double at = std::floor(s.seconds.back() / thumbs.every + 1e-9) * thumbs.every;
        if (s.thumbs.empty() || at > s.thumbs.back().seconds)
          s.thumbs.push_back({at, resize_area(f.image, thumbs.width, thumbs.height)});
      }
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

DecodeReport report_of(const decode::FrameSource& src) {
  const decode::VideoInfo& i = src.info();
  return {src.skipped(), src.backwards(), src.data_seconds(), i.pixel_format, i.frame_rate, i.width, i.height};
}

}  // namespace

// Seconds summarized: the video's duration, or the stretch --start/--end give (0 when the duration is unknown).
double stretch_seconds(const SamplingOptions& cfg, const decode::VideoInfo& info) {
  if (!(info.duration > 0)) return 0;
  const double end = cfg.end_seconds > 0 ? std::min(cfg.end_seconds, info.duration) : info.duration;
  return std::max(0.0, end - cfg.start_seconds);
}

// Keyframes a --fraction asks for: its share of the frames sampled at --sample-fps (with --fast, of those a full
// run would sample over the stretch summarized, so that the fraction means the same in both modes).
double fraction_keyframes(const SamplingOptions& cfg, const select::Budget& budget, double seconds) {
  return static_cast<double>(select::share_of(budget.share(), seconds * cfg.sample_fps));
}

// --fast: the key frames the budget needs, not necessarily all (docs/video.md, "Fast mode"). Candidates: at least
// kFastPerKeyframe per keyframe asked for (--budget, or --fraction of the full run's samples), at least
// kFastMinCandidates, and at least one every kFastMaxGap seconds; key frames closer together than that rate are
// never decoded. Inputs of unknown duration keep every key frame (at most --sample-fps of them a second).
constexpr double kFastPerKeyframe = 8, kFastMinCandidates = 600, kFastMaxGap = 4;

double candidate_fps(const SamplingOptions& cfg, const select::Budget& budget, double seconds) {
  if (!cfg.keyframes_only || !(seconds > 0)) return cfg.sample_fps;
  const select::Budget::Kind kind = budget.kind();
  const double k = kind == select::Budget::Kind::Count      ? static_cast<double>(budget.k())
                   : kind == select::Budget::Kind::Fraction ? fraction_keyframes(cfg, budget, seconds)
                                                            : 0.0;
  const double rate = std::max({1.0 / kFastMaxGap, kFastMinCandidates / seconds, kFastPerKeyframe * k / seconds});
  return std::min(cfg.sample_fps, rate);
}

namespace {

// A long input on a machine with cores (or GPU decoder engines) to spare: independent decoders over consecutive
// stretches of it, side by side (each seeks to the key frame before its stretch), each embedding its own frames; the
// samples are joined in time order. Stretches are whole multiples of the sampling period, so the samples are those
// of one decoder. With NVDEC each decoder is a session of its own (a GPU has several decoder engines, one session
// keeps one busy); on the CPU each gets four cores (frame threads scale poorly beyond that, and not at all when only
// key frames are decoded). Returns 1 where one decoder is best: inputs under two minutes, unknown durations, < 8 cores.
int range_decoders(const decode::VideoInfo& info, int cores) {
  if (!(info.duration > 120)) return 1;
  const int wanted = info.hwaccel == decode::HwAccel::Cuda ? 4 : cores / 4;
  // At least a minute each; compared as doubles: a header's duration may be absurd (10^10 s, found by fuzzing).
  const double by_length = std::floor(info.duration / 60);
  return std::max(1, by_length < wanted ? static_cast<int>(by_length) : wanted);
}

Samples decode_and_embed_ranges(const SamplingOptions& cfg, const decode::DecodeOptions& dopt,
                                const decode::VideoInfo& info, int parts, int cores, embed::Embedder& emb,
                                const ProgressFn& progress, const ThumbRule& thumbs, DecodeReport& report,
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
        const auto source = open_source(cfg, o);
        decode::FrameSource& src = *source;
        const ProgressFn mine = [&, k](const std::string& stage, std::int64_t done, std::int64_t) {
          if (!progress) return;
          std::lock_guard<std::mutex> lock(m);
          counts[static_cast<std::size_t>(k)] = done;
          std::int64_t sum = 0;
          for (auto c : counts) sum += c;
          progress(stage, sum, std::max(sum, static_cast<std::int64_t>(expected_total)));
        };
        part[static_cast<std::size_t>(k)] = decode_and_embed(src, emb, o.sample_fps, mine, thumbs);
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

// What pass 1 gave: fails when there is nothing to summarize or the budget cannot be met; records in res.warnings
// what degraded the input (data that ends early, timestamps that go back, corrupt packets).
void check_samples(const SamplingOptions& cfg, const Samples& s, const DecodeReport& seen, SummaryResult& res) {
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

// Seek-bar thumbnails: one every `every` seconds (at least 1 s and one sampling period, at most about 200 over the
// video: 10 minutes get one every 3 s), 160 pixels wide at the display aspect ratio.
ThumbRule thumb_rule(const SamplingOptions& cfg, const decode::VideoInfo& info) {
  ThumbRule r;
  if (!cfg.write_thumbnails) return r;
  const double period = cfg.sample_fps > 0 ? 1.0 / cfg.sample_fps : 1.0;
  const double wanted = std::max({1.0, period, stretch_seconds(cfg, info) / 200.0});
  r.every = std::ceil(wanted / period - 1e-9) * period;
  if (info.width > 0 && info.height > 0)
    r.height =
        std::max(2, static_cast<int>(std::lround(r.width * static_cast<double>(info.height) / info.width)) / 2 * 2);
  return r;
}

// The keyframes a summary will want, known before sampling: --budget K, --fraction F of the samples a full run
// takes, or the automatic budget's sheet for that many samples.
std::int64_t keyframes_wanted(const SamplingOptions& cfg, const KeyframeOptions& keys, double seconds) {
  if (keys.budget.kind() == select::Budget::Kind::Count) return keys.budget.k();
  if (!(seconds > 0)) return 2;
  if (keys.budget.kind() == select::Budget::Kind::Fraction)
    return static_cast<std::int64_t>(fraction_keyframes(cfg, keys.budget, seconds));
  const auto full = static_cast<std::int64_t>(std::ceil(seconds * cfg.sample_fps));
  return auto_budget(full, full, 1);
}

// Pass 1 again, decoding every frame (no key-frame-only decoding) and sampling at `sample_fps` (0: every frame);
// returns true.
bool sample_again(const SamplingOptions& cfg, bool with_stats, double sample_fps, decode::DecodeOptions& dopt,
                  embed::Embedder& emb, const ProgressFn& progress, const ThumbRule& thumbs, Samples& s,
                  DecodeReport& seen, std::vector<segment::FrameStat>& frame_stats) {
  dopt.keyframes_only = false;
  dopt.frame_stats = with_stats;
  dopt.sample_fps = sample_fps;
  const auto source = open_source(cfg, dopt);
  decode::FrameSource& src = *source;
  s = decode_and_embed(src, emb, sample_fps, progress, thumbs);
  seen = report_of(src);
  frame_stats = src.take_frame_stats();
  return true;
}

}  // namespace

namespace {

// Pass 1's decoder: the samples at the embedder's size, every frame's statistics for frame-exact shots, --start/--end.
decode::DecodeOptions pass_one_options(const SamplingOptions& cfg, const ShotStageOptions& shots,
                                       const embed::Embedder& emb) {
  decode::DecodeOptions dopt;
  dopt.sample_fps = cfg.sample_fps;
  dopt.keyframes_only = cfg.keyframes_only;
  dopt.out_width = emb.input_width();
  dopt.out_height = emb.input_height();
  dopt.threads = cfg.threads;
  dopt.hwaccel = cfg.hwaccel;
  dopt.frame_stats = shots.detect_shots && !cfg.keyframes_only;  // frame-exact shots need every decoded frame
  dopt.range_start = cfg.start_seconds;                          // --start/--end: one decoder over that stretch
  dopt.range_end = cfg.end_seconds;
  dopt.skip_loop_filter = true;  // the samples are small: deblocking is invisible there (pass 2 keeps it)
  return dopt;
}

}  // namespace

// Pass 1: samples decoded and embedded (by several range decoders on long inputs), with the decoder's report; a
// short input with a single key frame is sampled normally in fast mode. Checks that there is something to
// summarize and records what degraded the input in res.warnings.
Samples sample_video(const SamplingOptions& cfg, const KeyframeOptions& keys, const ShotStageOptions& shots,
                     embed::Embedder& emb, SummaryResult& res, const ProgressFn& progress,
                     std::vector<segment::FrameStat>& frame_stats) {
  decode::DecodeOptions dopt = pass_one_options(cfg, shots, emb);
  auto src = open_source(cfg, dopt);
  res.info = src->info();
  if (res.info.duration > 0 && cfg.start_seconds >= res.info.duration)
    throw invalid_argument(param("start", format_time(cfg.start_seconds)) + " is past the video's end (" +
                           format_time(res.info.duration) + ")");
  const double candidates_fps = candidate_fps(cfg, keys.budget, stretch_seconds(cfg, res.info));
  if (candidates_fps < dopt.sample_fps) {  // long input, --fast: fewer key frames than it has
    dopt.sample_fps = candidates_fps;
    src = open_source(cfg, dopt);
    res.candidate_fps = candidates_fps;
  }
  if (!res.info.hwaccel_note.empty()) res.warnings.push_back(res.info.hwaccel_note);

  const ThumbRule thumbs = thumb_rule(cfg, res.info);
  Stopwatch sw;
  const int cores = cores_to_use(cfg);
  const int parts = cfg.start_seconds > 0 || cfg.end_seconds > 0 ? 1 : range_decoders(res.info, cores);
  DecodeReport seen;
  Samples s;
  if (parts > 1) {
    src.reset();
    s = decode_and_embed_ranges(cfg, dopt, res.info, parts, cores, emb, progress, thumbs, seen, frame_stats);
  } else {
    s = decode_and_embed(*src, emb, dopt.sample_fps, progress, thumbs);
    seen = report_of(*src);
    frame_stats = src->take_frame_stats();
  }
  // Fast mode with key frames too sparse for the keyframes wanted (a 79.5 s file with 4 key frames, a single key
  // frame): it has too little to choose from, so the input is sampled normally, and stderr says so. Shorter than
  // one sampling period (a 0.3 s clip, a single frame): every frame it has is a sample.
  if (cfg.keyframes_only) {
    const std::int64_t wanted = keyframes_wanted(cfg, keys, stretch_seconds(cfg, res.info));
    if (s.n() < 2 || s.n() < wanted) {
      res.notes.push_back(plural(s.n(), "key frame") + " for " + std::to_string(std::max<std::int64_t>(wanted, 2)) +
                          " keyframes wanted: " + param("fast") + " decoded every frame instead");
      res.fast_fallback =
          sample_again(cfg, shots.detect_shots, cfg.sample_fps, dopt, emb, progress, thumbs, s, seen, frame_stats);
    }
  }
  if (s.n() < 2 && dopt.sample_fps > 0)
    res.every_frame = sample_again(cfg, shots.detect_shots, 0, dopt, emb, progress, thumbs, s, seen, frame_stats);
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

}  // namespace cords::pipeline
