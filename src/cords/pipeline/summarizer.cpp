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
#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/core/names.h"
#include "cords/core/output_file.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/decode/audio_reader.h"
#include "cords/decode/frame_source.h"
#include "cords/embed/embedder.h"
#include "cords/output/writers.h"
#include "cords/pipeline/clip_plan.h"
#include "cords/pipeline/html.h"
#include "cords/pipeline/keyframes.h"
#include "cords/pipeline/manifest.h"
#include "cords/pipeline/page.h"
#include "cords/pipeline/sampling.h"
#include "cords/pipeline/shots.h"
#include "cords/pipeline/summary_dir.h"
#include "cords/pipeline/thumbnails.h"
#include "cords/pipeline/visuals.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::pipeline {

std::unique_ptr<decode::FrameSource> open_source(const SamplingOptions& cfg, const decode::DecodeOptions& o) {
  return cfg.open_source ? cfg.open_source(cfg.input, o) : decode::open_ffmpeg(cfg.input, o);
}
namespace fs = std::filesystem;

std::string default_output_dir(const std::string& input) {
  return (fs::path(".") / (fs::path(input).stem().string() + ".summary")).string();
}

namespace {

// The CNN loads while pass 1 begins decoding (LibTorch's start-up: about 1 s).
std::unique_ptr<embed::Embedder> make_embedder(const SummarizeConfig& c) {
  return embed::make_embedder_in_background(c.embedder);
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

namespace {
constexpr Named<ShotDetection> kShotDetections[] = {
    {ShotDetection::Samples, "samples"}, {ShotDetection::Frames, "frames"}, {ShotDetection::Off, "off"}};
}  // namespace

const char* to_string(ShotDetection d) {
  return name_in(kShotDetections, d);
}

std::string selector_help() {
  std::string s = select::function_names() + ", a weighted mixture";
  for (const auto& b : baselines()) s += std::string(", ") + b.name;
  return s;
}

int cores_to_use(const SamplingOptions& cfg) {
  return cfg.threads > 0 ? cfg.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

const Range& summarize_range(const std::string& name) {
  const Range* r = range_in(kSummarizeRanges, name);
  CORDS_CHECK(r != nullptr, "no range for " + name);
  return *r;
}

void validate_config(const SummarizeConfig& c) {
  const auto check = [](const char* name, double v) { check_range(name, v, summarize_range(name)); };
  check("sample_fps", c.sample_fps);
  check("clip_seconds", c.clip_seconds);
  check("clip_crossfade", c.clip_crossfade);
  if (!(c.clip_length >= 0) || !std::isfinite(c.clip_length) || (c.clip_length_percent && c.clip_length > 100))
    throw invalid_argument(param("clip_length") + " must be auto (0), seconds, or a share of the video up to 100%");
  check("clip_height", c.clip_max_height);
  check("threads", c.threads);
  check("shot_threshold", c.transitions.threshold);
  check("min_shot_length", c.transitions.min_shot_seconds);
  check("start", c.start_seconds);
  check("end", c.end_seconds);
  if (c.end_seconds > 0 && c.end_seconds <= c.start_seconds)
    throw invalid_argument(param("end") + " must come after " + param("start"));
  if (c.sheet_columns < 0 || c.sheet_columns > 64) throw invalid_argument(param("grid") + " columns must be 1 to 64");
  if (c.sheet_width != 0) check("sheet_width", c.sheet_width);  // (0: 320-pixel tiles)
  if (baseline_of(c.selector) == Baseline::None) {
    select::check_function_spec(c.selector);
    select::make_optimizer(c.optimizer);
    if (c.metric == select::Metric::Precomputed)
      throw invalid_argument(param("metric", "precomputed") +
                             " takes a similarity matrix (cords-summarize select); a video's frames need " +
                             std::string("cosine, euclidean, rbf or dot"));
  }
  if (c.write_sheet) check_output_name(param("sheet"), c.sheet_name, {".jpg", ".jpeg", ".png", ".webp"});
  if (c.write_clip) check_output_name(param("clip"), c.clip_name, {".mp4", ".mkv", ".mov", ".m4v"});
  const std::vector<std::pair<bool, std::string>> names{{c.write_sheet, c.sheet_name}, {c.write_clip, c.clip_name}};
  for (const auto& [on, name] : names)
    if (on && (name == c.json_name || name == "keyframes" || name == "shots.csv" || name == "chapters.vtt"))
      throw invalid_argument("output name '" + name + "' is taken by the summary itself; choose another");
  if (c.write_sheet && c.write_clip && c.sheet_name == c.clip_name)
    throw invalid_argument(param("sheet") + " and " + param("clip") + " name the same file '" + c.sheet_name + "'");
}

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

}  // namespace

namespace {

// The shot list (shots.csv, chapters.vtt) and the edits for video editors (summary/shots .edl and .otio: the clip's
// windows and the shots as cuts of the original file): the files export_files names.
void write_exports(const SummarizeConfig& cfg, const SummaryResult& res, const std::string& dir) {
  const fs::path d(dir);
  write_file_atomic((d / "shots.csv").string(),
                    cfg.scenedetect_csv ? scenedetect_csv(res.shot_spans) : shots_csv(res.shot_spans));
  write_file_atomic((d / "chapters.vtt").string(), chapters_vtt(res.shot_spans));
  const double fps = 1.0 / frame_seconds(res.info);  // (25 when unknown, as the clip writer assumes)
  const std::string name = fs::path(cfg.input).filename().string();
  std::error_code ec;
  const fs::path absolute = fs::absolute(cfg.input, ec);
  const std::string url = file_url((ec ? fs::path(cfg.input) : absolute).lexically_normal());
  std::vector<SourceSpan> shots;
  for (const auto& s : res.shot_spans) shots.push_back({s.start, s.end});
  write_file_atomic((d / "shots.edl").string(), edl(name + " shots", name, shots, fps));
  write_file_atomic((d / "shots.otio").string(), otio(name + " shots", url, shots, fps, res.info.duration));
  if (!res.clip_segments.empty()) {
    write_file_atomic((d / "summary.edl").string(), edl(name + " summary", name, res.clip_segments, fps));
    write_file_atomic((d / "summary.otio").string(),
                      otio(name + " summary", url, res.clip_segments, fps, res.info.duration));
  }
}

}  // namespace

// One piece: the pipeline's steps in order, each a call; what is left is handing results from one to the next.
SummaryResult run_summarize(const SummarizeConfig& asked, const ProgressFn& progress, embed::Embedder* shared) {
  Stopwatch total;
  validate_config(asked);
  SummaryResult res;
  const SummarizeConfig& cfg = asked;  // (read as given: no stage steers another through a copy of it)
  if (cfg.write_sheet && !output::contact_sheet_available()) {  // a build without OpenCV (the GPU machine's)
    res.warnings.push_back("this build has no OpenCV: no contact sheet was drawn");
  }
  res.output_dir = cfg.output_dir.empty() ? default_output_dir(cfg.input) : folder_name(cfg.output_dir);
  check_summary_destination(res.output_dir, cfg.input, cfg.force, cfg.json_name);
  remove_stale_temporaries(res.output_dir, cfg.json_name);  // what a killed run left beside it

  // A bad input fails before the model is loaded (about 2 s for the CNN): opening it checks what the decoder can.
  if (!shared && cfg.embedder.features != embed::Features::Histogram) open_source(cfg, decode::DecodeOptions{});
  std::unique_ptr<embed::Embedder> owned = shared ? nullptr : make_embedder(cfg);
  embed::Embedder* emb = shared ? shared : owned.get();
  std::vector<segment::FrameStat> frame_stats;
  Samples s = sample_video(cfg, cfg, cfg, *emb, res, progress, frame_stats);
  res.thumbnails = std::move(s.thumbs);
  res.embedder = emb->name();

  Stopwatch sw;
  const segment::Transitions tr = find_shots(cfg, cfg, s, *emb, frame_stats, res);
  const auto shot_of = segment::shot_labels(res.shots, s.n());
  const KeyframePlan plan = plan_keyframes(cfg, cfg, cfg, s, emb->dim(), tr, shot_of, res);
  res.excluded_samples = plan.excluded;
  res.objective = plan.objective;
  if (plan.repeats > 0)
    res.warnings.push_back(
        std::to_string(plan.repeats) + " keyframe(s) repeat an earlier one (their pictures differ by less than " +
        std::to_string(static_cast<int>(kNearDuplicate)) + "/255 on average and nowhere by much): " + param("budget") +
        " exceeds the distinct content");
  res.near_duplicates = plan.repeats;
  res.repeats_left_out = plan.dropped;
  if (plan.dropped > 0)
    res.notes.push_back("the automatic budget stopped at the distinct content: " + plural(plan.dropped, "pick") +
                        " repeating an earlier keyframe left out");
  res.select_s = sw.seconds();

  for (std::size_t t = 0; t < plan.chosen.size(); ++t) {
    const auto i = static_cast<std::size_t>(plan.chosen[t]);
    Keyframe kf{s.ts[i],       s.frame[i],         plan.chosen[t],          shot_of[i],
                plan.gains[t], plan.represents[t], cfg.write_clip ? 0 : -1, ""};  // (choose_clip ranks them)
    if (cfg.write_keyframes) kf.image = keyframe_name(s.seconds[i], s.frame[i]);
    res.keyframes.push_back(kf);
  }
  std::sort(res.keyframes.begin(), res.keyframes.end(),
            [](const Keyframe& a, const Keyframe& b) { return a.sample < b.sample; });
  if (cfg.write_clip) {  // the clip's length and its windows: the most representative keyframes'
    const double stretch = stretch_seconds(cfg, res.info);
    res.clip_plan = choose_clip(res.keyframes, stretch > 0 ? stretch : s.seconds.back() - s.seconds.front(), cfg);
  }

  // Everything is written into a temporary sibling directory, renamed into place at the end (summary_dir.h).
  sw.restart();
  std::vector<std::string> names{cfg.json_name, cfg.sheet_name, cfg.clip_name, "shots.csv",    "chapters.vtt",
                                 "shots.edl",   "shots.otio",   "summary.edl", "summary.otio", "thumbnails.vtt",
                                 "index.html",  "preview.mp4",  "preview.webp"};
  for (std::size_t i = 0; i * kSpriteColumns * kSpriteRows < res.thumbnails.size(); ++i)
    names.push_back(sprite_name(i));
  TempSummaryDir tmp(res.output_dir, names);
  write_visuals(cfg, res, tmp.path(), progress);
  write_seek_thumbnails(res, tmp.path());
  res.write_s = sw.seconds();
  res.total_s = total.seconds();
  if (cfg.write_exports) write_exports(cfg, res, tmp.path());
  if (cfg.write_page)
    write_file_atomic((fs::path(tmp.path()) / "index.html").string(), summary_page(cfg, res, res.output_dir));
  write_file_atomic((fs::path(tmp.path()) / cfg.json_name).string(), json_text(to_json(cfg, res)));
  tmp.commit(res.output_dir, cfg.input, cfg.json_name);
  return res;
}

}  // namespace cords::pipeline
