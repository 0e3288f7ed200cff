#include "cli/summarize_command.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/common.h"
#include "cli/option_table.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/decode/ffmpeg_source.h"
#include "cords/pipeline/batch.h"
#include "cords/pipeline/keyframes.h"
#include "cords/pipeline/summarizer.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::cli {
namespace po = boost::program_options;

namespace {

// --start/--end: seconds, MM:SS or HH:MM:SS, each part possibly with decimals on the last.
double parse_time(const std::string& option, const std::string& text) {
  double total = 0;
  std::size_t at = 0;
  int parts = 0;
  while (true) {
    const std::size_t colon = text.find(':', at);
    const std::string part = text.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    std::size_t used = 0;
    double v = -1;
    try {
      v = std::stod(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    const bool last = colon == std::string::npos;
    if (part.empty() || used != part.size() || !(v >= 0) || !std::isfinite(v) || ++parts > 3 ||
        (!last && v != std::floor(v)) || (parts > 1 && v >= 60))
      throw invalid_argument(option + " must be a time: seconds, MM:SS or HH:MM:SS(.mmm), got '" + text + "'");
    total = total * 60 + v;
    if (last) return total;
    at = colon + 1;
  }
}

// This executable, for the batch's worker processes.
std::string own_executable() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(ErrorKind::Internal, "cannot find this program's own file (/proc/self/exe) to start workers");
  return self.string();
}

// Batch mode (docs/batch.md): every video of the inputs, a report, exit code 6 when any failed. Each video is
// summarized by a worker process: this program again, with the same options after "--batch-worker".
int run_batch_mode(const pipeline::BatchConfig& b, bool quiet) {
  Progress bar("videos", quiet);
  const auto rep = pipeline::run_batch(b, [&](std::int64_t done, std::int64_t total, const pipeline::BatchItem& item) {
    if (item.status == pipeline::ItemStatus::Failed && !quiet)
      std::fprintf(stderr, "cords-summarize: failed: %s\n", item.error.c_str());
    for (const auto& w : item.warnings) info(quiet, "warning: " + item.input + ": " + w);
    bar.update(done, total);
  });
  bar.finish();
  std::map<std::string, int> counts;
  for (const auto& i : rep.items) ++counts[pipeline::to_string(i.status)];
  char line[512];
  std::snprintf(
      line, sizeof line, "%zu videos%s: %d done, %d skipped (complete), %d locked by another process, %d failed -> %s",
      rep.items.size(),
      b.shard.count > 1 ? (" in shard " + std::to_string(b.shard.index) + "/" + std::to_string(b.shard.count)).c_str()
                        : "",
      counts["done"], counts["skipped"], counts["locked"], counts["failed"], b.output_dir.c_str());
  info(quiet, line);
  return rep.failed > 0 ? exit_code(ErrorKind::BatchFailures) : 0;
}

// One video: progress bars, the summary line and warnings on stderr, the manifest on stdout with --json.
int run_single(const pipeline::SummarizeConfig& cfg, bool quiet, bool json_out) {
  Progress decode("decoding", quiet), write("writing", quiet);
  std::string stage;
  const auto res = pipeline::run_summarize(cfg, [&](const std::string& s, std::int64_t done, std::int64_t total) {
    if (s != stage) {
      if (stage == "decode") decode.finish();
      stage = s;
    }
    (s == "write" ? write : decode).update(done, total);
  });
  if (stage == "write")
    write.finish();
  else if (stage == "decode")
    decode.finish();
  char line[512];
  std::snprintf(line, sizeof line, "%s from %s (%s) -> %s/ in %.1fs (decode+embed %.1fs, select %.2fs, write %.1fs)",
                plural(static_cast<long long>(res.keyframes.size()), "keyframe").c_str(),
                plural(res.sampled, "sampled frame").c_str(),
                plural(static_cast<long long>(res.shots.size()), "shot").c_str(), res.output_dir.c_str(), res.total_s,
                res.decode_embed_s, res.select_s, res.write_s);
  info(quiet, line);
  for (const auto& n : res.notes) info(quiet, "note: " + cfg.input + ": " + n);
  for (const auto& w : res.warnings) info(quiet, "warning: " + cfg.input + ": " + w);
  if (json_out) {
    std::ifstream manifest(std::filesystem::path(res.output_dir) / cfg.json_name, std::ios::binary);
    std::cout << manifest.rdbuf();
    std::cout.flush();
    if (!std::cout) throw output_unwritable("cannot write the manifest to standard output");
  }
  return 0;
}

}  // namespace

namespace {

// The summary's options and what they fill.
struct SummarizeArgs {
  pipeline::SummarizeConfig cfg;
  std::vector<std::string> inputs, extensions;
  int jobs = 1;
  std::string shard;
  std::string clip_length = "auto";
  bool quiet = false, verbose = false, json_out = false, no_sheet = false, no_clip = false, no_keyframes = false,
       clip_reencode = false, no_shots = false, no_clip_audio = false, no_exports = false, no_thumbnails = false,
       no_preview = false, no_page = false;
  long long threads = 0;
  double video_timeout = 600;
  std::string features = "auto", hwaccel = "auto", metric = "cosine";
  std::string budget, grid, start, end;
  double fraction = 0;
};

// --metric: the selector's metrics but precomputed (frames have features, not a similarity matrix).
std::vector<std::string> frame_metrics() {
  std::vector<std::string> w = select::metric_name_list();
  w.erase(std::remove(w.begin(), w.end(), select::to_string(select::Metric::Precomputed)), w.end());
  return w;
}

// --selector: the set functions, then the baselines.
std::vector<std::string> selector_words() {
  std::vector<std::string> w = table_names(select::function_registry());
  for (const auto& b : pipeline::baselines()) w.emplace_back(b.name);
  return w;
}

// The outputs that can each be left out.
void add_file_options(OptionTable& t, SummarizeArgs& a) {
  pipeline::SummarizeConfig& cfg = a.cfg;
  t.flag("no-clip", &a.no_clip, "skip the summary clip")
      .flag("no-clip-audio", &a.no_clip_audio, "leave the input's sound out of the summary clip")
      .flag("clip-reencode", &a.clip_reencode,
            "with --fast, re-encode the clip (H.264, at most 720p) instead of copying the input's packets")
      .flag("no-keyframes", &a.no_keyframes, "skip the keyframe images")
      .flag("no-thumbnails", &a.no_thumbnails,
            "skip the seek-bar thumbnails (thumbnails.vtt, a WebVTT track pointing into thumbnails*.jpg sprites)")
      .flag("no-page", &a.no_page,
            "skip index.html, the summary's page (the clip with its parts as chapters, the original with seek-bar "
            "thumbnails and its shots as chapters, the keyframes; opens from the folder, no server)")
      .flag("no-exports", &a.no_exports,
            "skip shots.csv, chapters.vtt and the editor exports (summary/shots .edl, CMX 3600, and .otio, "
            "OpenTimelineIO)")
      .flag("scenedetect-csv", &cfg.scenedetect_csv,
            "write shots.csv exactly as PySceneDetect's list-scenes does, with its first 'Timecode List:' row")
      .flag("no-preview", &a.no_preview,
            "skip the hover preview (preview.webp and preview.mp4: a few muted seconds of the clip's top windows, 320 "
            "pixels wide)");
}

// The table's second half: shots, the clip, the sheet, the run (and add_file_options).
void add_output_options(OptionTable& t, SummarizeArgs& a) {
  pipeline::SummarizeConfig& cfg = a.cfg;
  const auto r = [](const char* name) { return pipeline::summarize_range(name); };
  t.flag("per-shot", &cfg.per_shot,
         "split the budget over detected shots (every shot gets at least one keyframe when k >= shots)")
      .value("shot-threshold", &cfg.transitions.threshold, "R",
             "hard cut: a frame's change is at least this many times the mean change of the 2 frames on either side "
             "(lower finds more cuts)",
             r("shot_threshold"))
      .value("min-shot-length", &cfg.transitions.min_shot_seconds, "S",
             "seconds: a boundary closer than this to the previous one is dropped", r("min_shot_length"))
      .flag("no-shots", &a.no_shots, "no shot detection: the whole video is one shot")
      .value("clip-length", &a.clip_length, "L",
             "the summary clip's length: seconds (45s, 45 or 1:30) or a share of the video (10%); auto = 15% of the "
             "video, at least 3 s, at most 60 s and at most half the video")
      .value("clip-seconds", &cfg.clip_seconds, "S",
             "the shortest window of video around a keyframe in the clip (longer when the keyframes are fewer than "
             "the clip's length needs)",
             r("clip_seconds"))
      .value("clip-crossfade", &cfg.clip_crossfade, "S",
             "seconds of crossfade (pictures and sound) between the clip's segments; 0 = straight cuts; with --fast "
             "the clip is then encoded",
             r("clip_crossfade"))
      .value("clip-height", &cfg.clip_max_height, "LINES",
             "an encoded clip is scaled down to at most this many lines (a copied --fast clip keeps the input's size)",
             r("clip_height"))
      .value("sheet", &cfg.sheet_name, "NAME", "contact sheet file name in DIR (.jpg, .png or .webp)")
      .value("clip", &cfg.clip_name, "NAME", "summary clip file name in DIR")
      .flag("no-sheet", &a.no_sheet, "skip the contact sheet")
      .value("start", &a.start, "T", "summarize from time T: seconds, MM:SS or HH:MM:SS(.mmm) (skip an intro)")
      .value("end", &a.end, "T", "summarize up to time T (leave out credits)")
      .value("grid", &a.grid, "CxR",
             "contact sheet of C columns (1 to 64); without --budget or --fraction, C x R "
             "keyframes")
      .value("sheet-width", &cfg.sheet_width, "PX", "contact sheet width in pixels (default: 320-pixel tiles)",
             r("sheet_width"), "")
      .flag("force", &cfg.force,
            "replace an existing summary written by this tool (never a folder holding anything else)")
      .value("threads", &a.threads, "N",
             "cores to use (selection threads; three decoder frame threads each); 0 = all; at most the processors "
             "online",
             r("threads"))
      .value("seed", &cfg.seed, "S", "random seed (stochastic optimizers, random selector)")
      .flag("quiet,q", &a.quiet, "no progress on stderr")
      .flag("json", &a.json_out, "also print the manifest (summary.json) on stdout")
      .value("video-timeout", &a.video_timeout, "S",
             "batch: a video whose summary shows no progress for S seconds is stopped and recorded as failed",
             r("video_timeout"))
      .flag("verbose,v", &a.verbose, "also show FFmpeg's own warnings (corrupt data and the like)");
}

// The option table (one row per option: name, field, default, range or words, help): input, sampling and
// selection here, the rest in add_output_options.
std::unique_ptr<OptionTable> summarize_table(SummarizeArgs& a) {
  auto t = std::make_unique<OptionTable>(
      "",
      "Usage: cords-summarize INPUT [--fraction F | --budget K|auto] [-o DIR] [options]\n"
      "       cords-summarize DIR|FILE... -o OUT [--jobs N] [--shard I/N] [options]     (batch mode, docs/batch.md)\n\n"
      "Summarizes a video: samples frames, embeds them, picks representative keyframes, and writes DIR/summary.json,\n"
      "DIR/sheet.jpg (contact sheet), DIR/summary.mp4 (clip of the keyframes' surroundings, in time order) and\n"
      "DIR/keyframes/*.jpg, with the shots in DIR/shots.csv (PySceneDetect's columns) and DIR/chapters.vtt.\n"
      "The clip lasts about k x --clip-seconds (less where keyframes are close together). An existing DIR is\n"
      "replaced only with --force, and only when it is a summary this tool wrote (docs/cli.md, Safety rules).");
  pipeline::SummarizeConfig& cfg = a.cfg;
  const auto r = [](const char* name) { return pipeline::summarize_range(name); };
  (*t).list("input", &a.inputs, "INPUT", "video file; or folders and files for batch mode")
      .positional("input")
      .value("jobs,j", &a.jobs, "N", "batch: videos summarized at once (one model load for all)", r("jobs"))
      .value("shard", &a.shard, "I/N", "batch: do shard I of N (default: from Slurm or Kubernetes, else all)")
      .list("extensions", &a.extensions, "EXT...",
            "batch: video file extensions to look for (default: mp4 mkv mov avi webm mpg mpeg m4v ogv wmv flv ts 3gp)",
            true)
      .value("output,o", &cfg.output_dir, "DIR", "output directory (default ./<input stem>.summary)")
      .value("fraction,f", &a.fraction, "F", "share of the sampled frames kept as keyframes: k = ceil(F n)",
             over_to(0, 1), "")
      .value("budget,k", &a.budget, "K|auto",
             "number of keyframes (instead of --fraction); auto (the default): about 16 for short videos, 5% of the "
             "samples for long ones, never fewer than the shots, one per shot at least")
      .value("sample-fps", &cfg.sample_fps, "FPS", "frames sampled per second of video", r("sample_fps"))
      .flag("fast", &cfg.keyframes_only,
            "decode only key frames, on long videos only those the budget needs (far faster; coarser sampling; "
            "--fraction still counts the frames a full run samples)")
      .choice("features", &a.features, "F", words_of(embed::kFeatures),
              "frame features: auto is the bundled CNN when present, else histogram")
      .value("model", &cfg.embedder.model, "PATH",
             "TorchScript image model for cnn features, instead of the bundled one (preprocessing from PATH.json, "
             "docs/models.md)")
      .choice(
          "device", &cfg.embedder.device, "D",
          [] {
            return std::vector<std::string>{"auto", "cpu", "cuda", "cuda:0"};
          },
          "where the CNN runs: auto, cpu, cuda, cuda:N (fp16 on CUDA)", true)
      .choice("hwaccel", &a.hwaccel, "H", words_of(decode::kHwAccels),
              "video decoding: auto (NVDEC when an NVIDIA driver is installed, else the CPU), cuda (NVDEC, warns "
              "when it falls back to the CPU), none")
      .choice("selector", &cfg.selector, "NAME", selector_words, pipeline::selector_help(), true)
      .choice("optimizer", &cfg.optimizer, "NAME", words_of(select::optimizer_registry()),
              "how the selector is maximized")
      .choice("metric", &a.metric, "M", frame_metrics, "similarity of the frames' features");
  add_output_options(*t, a);
  add_file_options(*t, a);
  return t;
}

// --budget K|auto and --fraction F, and --grid CxR (its C x R keyframes when neither is given).
void set_budget(SummarizeArgs& a, const OptionTable& t) {
  pipeline::SummarizeConfig& cfg = a.cfg;
  std::optional<long long> k;
  if (t.given("budget") && a.budget != "auto") {
    std::size_t used = 0;
    try {
      k = std::stoll(a.budget, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != a.budget.size())
      throw invalid_argument("--budget must be a number >= 1 or auto, got '" + a.budget + "'");
  }
  cfg.budget =
      budget_option(t.given("budget"), k, t.given("fraction") ? std::optional<double>(a.fraction) : std::nullopt);
  if (t.given("grid")) {  // CxR, e.g. 4x4
    int cols = 0, rows = 0;
    char x = 0, extra = 0;
    if (std::sscanf(a.grid.c_str(), "%d%c%d%c", &cols, &x, &rows, &extra) != 3 || (x != 'x' && x != 'X') || cols < 1 ||
        rows < 1 || cols > 64 || rows > 64)
      throw invalid_argument("--grid must be CxR with 1 to 64 columns and rows, e.g. 4x4, got '" + a.grid + "'");
    cfg.sheet_columns = cols;
    if (!t.given("budget") && !t.given("fraction")) cfg.budget = select::Budget::count(std::int64_t{cols} * rows);
  }
}

// --clip-length auto|SECONDS[s]|MM:SS|P%
void set_clip_length(SummarizeArgs& a) {
  pipeline::SummarizeConfig& cfg = a.cfg;
  const std::string& v = a.clip_length;
  cfg.clip_length = 0;
  cfg.clip_length_percent = false;
  if (v == "auto") return;
  const auto bad = [&] {
    return invalid_argument("--clip-length must be auto, seconds (45s, 45, 1:30) or a share of the video (10%), got '" +
                            v + "'");
  };
  if (!v.empty() && v.back() == '%') {
    std::size_t used = 0;
    double p = 0;
    try {
      p = std::stod(v.substr(0, v.size() - 1), &used);
    } catch (const std::exception&) {
      throw bad();
    }
    if (used + 1 != v.size() || !(p > 0 && p <= 100)) throw bad();
    cfg.clip_length = p;
    cfg.clip_length_percent = true;
    return;
  }
  std::string s = v;
  if (!s.empty() && s.back() == 's') s.pop_back();
  try {
    cfg.clip_length = parse_time("--clip-length", s);
  } catch (const Error&) {
    throw bad();
  }
  if (!(cfg.clip_length > 0)) throw bad();
}

// The parsed options into the SummarizeConfig, checked (validate_config) before any work.
void configure(SummarizeArgs& a, const OptionTable& t) {
  pipeline::SummarizeConfig& cfg = a.cfg;
  if (a.inputs.empty()) throw invalid_argument("no input video given (see cords-summarize --help)");
  embed::EmbedderConfig& emb = cfg.embedder;
  emb.features = embed::parse_features(a.features);
  cfg.hwaccel = decode::parse_hwaccel(a.hwaccel);
  if (!emb.model.empty() && emb.features == embed::Features::Histogram)
    throw invalid_argument("--model is used by --features cnn only");
  if (!emb.model.empty() && !t.given("features")) emb.features = embed::Features::Cnn;  // --model: cnn
  set_budget(a, t);
  set_clip_length(a);
  if (t.given("start")) cfg.start_seconds = parse_time("--start", a.start);
  if (t.given("end")) cfg.end_seconds = parse_time("--end", a.end);
  cfg.metric = select::parse_metric(a.metric);
  cfg.threads = resolve_threads(a.threads);
  decode::set_ffmpeg_verbose(a.verbose);
  cfg.write_sheet = !a.no_sheet;
  cfg.write_clip = !a.no_clip;
  cfg.clip_copy = !a.clip_reencode && cfg.clip_crossfade == 0;  // a copy cannot blend
  cfg.write_keyframes = !a.no_keyframes;
  cfg.write_exports = !a.no_exports;
  cfg.write_thumbnails = !a.no_thumbnails;
  cfg.write_page = !a.no_page;
  cfg.write_preview = !a.no_preview;
  cfg.detect_shots = !a.no_shots;
  cfg.clip_audio = !a.no_clip_audio;
  cfg.shots.ratio = cfg.transitions.threshold;  // fast mode finds shots on the samples, with the same meaning
  cfg.shots.min_shot_seconds = cfg.transitions.min_shot_seconds;
  pipeline::validate_config(cfg);  // every option checked before any work (decoding, loading the model)
}

}  // namespace

std::unique_ptr<OptionTable> summarize_options_for_docs() {
  static SummarizeArgs scratch;
  return summarize_table(scratch);
}

int run_summarize_command(int argc, char** argv, bool worker) {
  SummarizeArgs a;
  const std::unique_ptr<OptionTable> table = summarize_table(a);
  if (!table->parse(argc, argv)) return 0;  // --help
  configure(a, *table);
  pipeline::SummarizeConfig& cfg = a.cfg;
  std::error_code ec;
  const bool batch = a.inputs.size() > 1 || std::filesystem::is_directory(a.inputs[0], ec);
  // The selection's threads are the process's (OpenMP, OpenBLAS): set here, once, by the executable; a batch's
  // videos share the cores.
  select::set_threads(batch ? std::max(1, pipeline::cores_to_use(cfg) / std::max(1, a.jobs)) : cfg.threads);
  if (batch || worker) {
    pipeline::BatchConfig b;
    b.inputs = a.inputs;
    b.output_dir = cfg.output_dir;
    if (!a.extensions.empty()) b.extensions = a.extensions;
    b.jobs = a.jobs;
    b.shard = a.shard.empty() ? pipeline::shard_from_environment() : pipeline::parse_shard(a.shard);
    b.force = cfg.force;
    b.video = cfg;
    b.video_timeout = a.video_timeout;
    if (worker) return pipeline::serve_batch_worker(b);
    b.worker_command = {own_executable(), "--batch-worker"};
    for (int i = 1; i < argc; ++i) b.worker_command.emplace_back(argv[i]);
    return run_batch_mode(b, a.quiet);
  }
  if (a.jobs != 1 || !a.shard.empty() || !a.extensions.empty() || table->given("video-timeout"))
    throw invalid_argument(
        "--jobs, --shard, --extensions and --video-timeout are for batch mode (a folder or several inputs)");
  cfg.input = a.inputs[0];
  return run_single(cfg, a.quiet, a.json_out);
}

}  // namespace cords::cli
