#include "cords/pipeline/shots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cords/core/output_file.h"

namespace cords::pipeline {
namespace {

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
    span.transition = i == 0 ? ShotStart::First : shots[i].fade_in ? ShotStart::Fade : ShotStart::Cut;
    span.sample_shot = static_cast<std::int64_t>(i);
    spans.push_back(span);
  }
  return spans;
}

ShotStart shot_start(segment::TransitionKind k) {
  switch (k) {
    case segment::TransitionKind::Fade:
      return ShotStart::Fade;
    case segment::TransitionKind::Dissolve:
      return ShotStart::Dissolve;
    case segment::TransitionKind::Cut:
      break;
  }
  return ShotStart::Cut;
}

// Shots from frame-exact boundaries: every shot as exported, and those holding samples (what selection sees; a shot
// shorter than the sampling period may hold none) with their sample ranges.
void frame_shots(const segment::Transitions& tr, const std::vector<segment::FrameStat>& fs, const Samples& s,
                 const decode::VideoInfo& info, const SamplingOptions& cfg, std::vector<segment::Shot>& shots,
                 std::vector<ShotSpan>& spans) {
  const double frame_s = frame_seconds(info);
  shots.clear();
  spans.clear();
  // From the video's first frame, or with --start from the first frame decoded.
  if (cfg.start_seconds > 0)
    spans.push_back({fs.front().frame, 0, fs.front().seconds, 0.0, ShotStart::First, -1});
  else
    spans.push_back({0, 0, 0.0, 0.0, ShotStart::First, -1});
  for (const auto& b : tr.boundaries) {
    spans.back().end_frame = b.frame;
    spans.back().end = b.seconds;
    spans.push_back({b.frame, 0, b.seconds, 0.0, shot_start(b.kind), -1});
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
    shot.fade_in = span.transition == ShotStart::Fade;
    shots.push_back(shot);
  }
}

}  // namespace

// Shots: off (one shot), frame-exact from every decoded frame's statistics, or on the samples. Fills res.shots,
// res.shot_spans (clamped to --end), res.transitions and res.shot_detection; returns the transitions found.
segment::Transitions find_shots(const ShotStageOptions& cfg, const SamplingOptions& sampling, const Samples& s,
                                const embed::Embedder& emb, const std::vector<segment::FrameStat>& frame_stats,
                                SummaryResult& res) {
  const bool own_hist = s.hist.empty();
  const MatrixView h{own_hist ? s.rows.data() : s.hist.data(), s.n(),
                     own_hist ? emb.dim() : static_cast<Index>(s.hist.size() / static_cast<std::size_t>(s.n()))};
  segment::Transitions tr;
  if (!cfg.detect_shots) {  // one shot, the whole video
    res.shot_detection = ShotDetection::Off;
    res.shots = {segment::Shot{0, s.n() - 1, 0.0, s.seconds.back(), false}};
    res.shot_spans = shot_spans(res.shots, s, res.info);
  } else if (frame_stats.size() >= 2) {  // frame-exact, from every decoded frame
    res.shot_detection = ShotDetection::Frames;
    if (const char* dump = std::getenv("CORDS_DUMP_FRAME_STATS")) {  // for tuning the detector (docs/video.md)
      std::string csv = "frame,seconds,diff,diff2,diff3,luma,spread,span,mix\n";
      for (const auto& f : frame_stats) {
        char line[200];
        std::snprintf(line, sizeof line, "%lld,%.4f,%.2f,%.2f,%.2f,%.1f,%.1f,%.2f,%.2f\n",
                      static_cast<long long>(f.frame), f.seconds, f.diff, f.diff2, f.diff3, f.luma, f.spread, f.span,
                      f.mix);
        csv += line;
      }
      write_output_file(dump, csv, {sampling.input});  // a path the user named: the safety rules of docs/cli.md
    }
    tr = segment::detect_transitions(frame_stats, cfg.transitions);
    frame_shots(tr, frame_stats, s, res.info, sampling, res.shots, res.shot_spans);
    res.transitions = tr.spans;
  } else {
    res.shot_detection = ShotDetection::Samples;
    res.shots = segment::detect_shots(h, s.luma, s.seconds, cfg.shots);
    res.shot_spans = shot_spans(res.shots, s, res.info);
  }
  if (sampling.end_seconds > 0 && !res.shot_spans.empty() &&
      res.shot_spans.back().end > sampling.end_seconds) {  // --end
    const double frame_s = frame_seconds(res.info);
    res.shot_spans.back().end = std::max(res.shot_spans.back().start, sampling.end_seconds);
    res.shot_spans.back().end_frame = std::max(res.shot_spans.back().start_frame + 1,
                                               static_cast<std::int64_t>(std::llround(sampling.end_seconds / frame_s)));
  }
  return tr;
}

}  // namespace cords::pipeline
