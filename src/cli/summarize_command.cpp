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
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/decode/ffmpeg_source.h"
#include "cords/pipeline/batch.h"
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
  if (res.fast_fallback)
    info(quiet, "note: " + cfg.input + " has a single key frame, so --fast sampled all its frames instead");
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

// One piece: mostly the declarative option table; the modes are run_batch_mode, serve_batch_worker and run_single.
int run_summarize_command(int argc, char** argv, bool worker) {
  pipeline::SummarizeConfig cfg;
  std::vector<std::string> inputs, extensions;
  int jobs = 1;
  std::string shard;
  bool quiet = false, verbose = false, json_out = false, no_sheet = false, no_clip = false, no_keyframes = false,
       clip_reencode = false, no_shots = false, no_clip_audio = false;
  long long threads = 0;
  double video_timeout = 600;
  std::string features = "auto", hwaccel = "auto";
  std::string budget, grid, start, end;
  double fraction = 0;
  std::string metric = "cosine";
  po::options_description opts(
      "Usage: cords-summarize INPUT [--fraction F | --budget K|auto] [-o DIR] [options]\n"
      "       cords-summarize DIR|FILE... -o OUT [--jobs N] [--shard I/N] [options]     (batch mode, docs/batch.md)\n\n"
      "Summarizes a video: samples frames, embeds them, picks representative keyframes, and writes DIR/summary.json,\n"
      "DIR/sheet.jpg (contact sheet), DIR/summary.mp4 (clip of the keyframes' surroundings, in time order) and\n"
      "DIR/keyframes/*.jpg, with the shots in DIR/shots.csv (PySceneDetect's columns) and DIR/chapters.vtt.\n"
      "The clip lasts about k x --clip-seconds (less where keyframes are close together). An existing DIR is\n"
      "replaced only with --force, and only when it is a summary this tool wrote (docs/cli.md, Safety rules).\n\n"
      "Options",
      kHelpWidth, kHelpWidth / 2);
  // clang-format off
  opts.add_options()
    ("help,h", "show this help")
    ("input", po::value(&inputs)->value_name("INPUT"), "video file; or folders and files for batch mode")
    ("jobs,j", po::value(&jobs)->default_value(1), "batch: videos summarized at once (one model load for all)")
    ("shard", po::value(&shard)->value_name("I/N"), "batch: do shard I of N (default: from Slurm or Kubernetes, else all)")
    ("extensions", po::value(&extensions)->multitoken()->value_name("EXT..."), "batch: video file extensions to look for (default: mp4 mkv mov avi webm mpg mpeg m4v ogv wmv flv ts 3gp)")
    ("output,o", po::value(&cfg.output_dir)->value_name("DIR"), "output directory (default ./<input stem>.summary)")
    ("fraction,f", po::value(&fraction)->value_name("F"), "share of the sampled frames kept as keyframes: k = ceil(F n)")
    ("budget,k", po::value(&budget)->value_name("K|auto"),
       "number of keyframes (instead of --fraction); auto (the default): about 16 for short videos, 5% of the samples "
       "for long ones, never fewer than the shots, one per shot at least")
    ("sample-fps", po::value(&cfg.sample_fps)->default_value(cfg.sample_fps, fmt(cfg.sample_fps)), "frames sampled per second of video")
    ("fast", po::bool_switch(&cfg.keyframes_only), "decode only key frames, on long videos only those the budget needs (far faster; coarser sampling; --fraction still counts the frames a full run samples)")
    ("features", po::value(&features)->default_value(features), "frame features: auto (the bundled CNN when present, else histogram), cnn, histogram")
    ("model", po::value(&cfg.embedder.model)->value_name("PATH"), "TorchScript image model for cnn features, instead of the bundled one (preprocessing from PATH.json, docs/models.md)")
    ("device", po::value(&cfg.embedder.device)->default_value(cfg.embedder.device), "where the CNN runs: auto, cpu, cuda, cuda:N (fp16 on CUDA)")
    ("hwaccel", po::value(&hwaccel)->default_value(hwaccel),
       "video decoding: auto (NVDEC when an NVIDIA driver is installed, else the CPU), cuda (NVDEC, warns when it falls back to the CPU), none")
    ("selector", po::value(&cfg.selector)->default_value(cfg.selector),
       pipeline::selector_help().c_str())
    ("optimizer", po::value(&cfg.optimizer)->default_value(cfg.optimizer), select::optimizer_names().c_str())
    ("metric", po::value(&metric)->default_value(metric), "similarity: cosine, euclidean, rbf, dot")
    ("per-shot", po::bool_switch(&cfg.per_shot), "split the budget over detected shots (every shot gets at least one keyframe when k >= shots)")
    ("shot-threshold", po::value(&cfg.transitions.threshold)->default_value(cfg.transitions.threshold, fmt(cfg.transitions.threshold)),
       "hard cut: a frame's change is at least this many times the mean change of the 2 frames on either side (lower finds more cuts)")
    ("min-shot-length", po::value(&cfg.transitions.min_shot_seconds)->default_value(cfg.transitions.min_shot_seconds, fmt(cfg.transitions.min_shot_seconds)),
       "seconds: a boundary closer than this to the previous one is dropped")
    ("no-shots", po::bool_switch(&no_shots), "no shot detection: the whole video is one shot")
    ("clip-seconds", po::value(&cfg.clip_seconds)->default_value(cfg.clip_seconds, fmt(cfg.clip_seconds)), "seconds of video around each keyframe in the clip")
    ("clip-crossfade", po::value(&cfg.clip_crossfade)->value_name("S")->default_value(cfg.clip_crossfade, fmt(cfg.clip_crossfade)),
       "seconds of crossfade (pictures and sound) between the clip's segments; 0 = straight cuts; with --fast the clip is then encoded")
    ("clip-height", po::value(&cfg.clip_max_height)->default_value(cfg.clip_max_height), "an encoded clip is scaled down to at most this many lines (a copied --fast clip keeps the input's size)")
    ("sheet", po::value(&cfg.sheet_name)->default_value(cfg.sheet_name), "contact sheet file name in DIR (.jpg, .png or .webp)")
    ("clip", po::value(&cfg.clip_name)->default_value(cfg.clip_name), "summary clip file name in DIR")
    ("no-sheet", po::bool_switch(&no_sheet), "skip the contact sheet")
    ("start", po::value(&start)->value_name("T"), "summarize from time T: seconds, MM:SS or HH:MM:SS(.mmm) (skip an intro)")
    ("end", po::value(&end)->value_name("T"), "summarize up to time T (leave out credits)")
    ("grid", po::value(&grid)->value_name("CxR"), "contact sheet of C columns; without --budget or --fraction, C x R keyframes")
    ("sheet-width", po::value(&cfg.sheet_width)->value_name("PX"), "contact sheet width in pixels (default: 320-pixel tiles)")
    ("no-clip", po::bool_switch(&no_clip), "skip the summary clip")
    ("no-clip-audio", po::bool_switch(&no_clip_audio), "leave the input's sound out of the summary clip")
    ("clip-reencode", po::bool_switch(&clip_reencode), "with --fast, re-encode the clip (H.264, at most 720p) instead of copying the input's packets")
    ("no-keyframes", po::bool_switch(&no_keyframes), "skip the keyframe images")
    ("force", po::bool_switch(&cfg.force), "replace an existing summary written by this tool (never a folder holding anything else)")
    ("threads", po::value(&threads)->default_value(0),
        "cores to use (selection threads; three decoder frame threads each); 0 = all; at most the processors online")
    ("seed", po::value(&cfg.seed)->default_value(0), "random seed (stochastic optimizers, random selector)")
    ("quiet,q", po::bool_switch(&quiet), "no progress on stderr")
    ("json", po::bool_switch(&json_out), "also print the manifest (summary.json) on stdout")
    ("video-timeout", po::value(&video_timeout)->value_name("S")->default_value(video_timeout),
       "batch: a video whose summary shows no progress for S seconds is stopped and recorded as failed; 0 = no limit")
    ("verbose,v", po::bool_switch(&verbose), "also show FFmpeg's own warnings (corrupt data and the like)");
  // clang-format on
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n" << exit_code_help();
    return 0;
  }
  po::notify(vm);
  if (inputs.empty()) throw invalid_argument("no input video given (see cords-summarize --help)");
  embed::EmbedderConfig& emb = cfg.embedder;
  emb.features = embed::parse_features(features);
  cfg.hwaccel = decode::parse_hwaccel(hwaccel);
  if (!emb.model.empty() && emb.features == embed::Features::Histogram)
    throw invalid_argument("--model is used by --features cnn only");
  if (!emb.model.empty() && vm["features"].defaulted()) emb.features = embed::Features::Cnn;  // --model: cnn
  std::optional<long long> k;
  if (vm.count("budget") && budget != "auto") {
    std::size_t used = 0;
    try {
      k = std::stoll(budget, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != budget.size()) throw invalid_argument("--budget must be a number >= 1 or auto, got '" + budget + "'");
  }
  cfg.budget =
      budget_option(vm.count("budget") > 0, k, vm.count("fraction") ? std::optional<double>(fraction) : std::nullopt);
  if (vm.count("start")) cfg.start_seconds = parse_time("--start", start);
  if (vm.count("end")) cfg.end_seconds = parse_time("--end", end);
  if (vm.count("grid")) {  // CxR, e.g. 4x4
    int cols = 0, rows = 0;
    char x = 0, extra = 0;
    if (std::sscanf(grid.c_str(), "%d%c%d%c", &cols, &x, &rows, &extra) != 3 || (x != 'x' && x != 'X') || cols < 1 ||
        rows < 1 || cols > 64 || rows > 64)
      throw invalid_argument("--grid must be CxR with 1 to 64 columns and rows, e.g. 4x4, got '" + grid + "'");
    cfg.sheet_columns = cols;
    if (!vm.count("budget") && !vm.count("fraction")) cfg.budget = select::Budget::count(std::int64_t{cols} * rows);
  }
  cfg.metric = select::parse_metric(metric);
  cfg.threads = resolve_threads(threads);
  decode::set_ffmpeg_verbose(verbose);
  cfg.write_sheet = !no_sheet;
  cfg.write_clip = !no_clip;
  cfg.clip_copy = !clip_reencode && cfg.clip_crossfade == 0;  // a copy cannot blend
  cfg.write_keyframes = !no_keyframes;
  cfg.detect_shots = !no_shots;
  cfg.clip_audio = !no_clip_audio;
  cfg.shots.ratio = cfg.transitions.threshold;  // fast mode finds shots on the samples, with the same meaning
  cfg.shots.min_shot_seconds = cfg.transitions.min_shot_seconds;
  pipeline::validate_config(cfg);  // every option checked before any work (decoding, loading the model)

  std::error_code ec;
  const bool batch = inputs.size() > 1 || std::filesystem::is_directory(inputs[0], ec);
  // The selection's threads are the process's (OpenMP, OpenBLAS): set here, once, by the executable; a batch's
  // videos share the cores.
  select::set_threads(batch ? std::max(1, pipeline::cores_to_use(cfg) / std::max(1, jobs)) : cfg.threads);
  if (batch || worker) {
    if (!(video_timeout >= 0) || !std::isfinite(video_timeout))
      throw invalid_argument("--video-timeout must be a number of seconds >= 0, got " + fmt(video_timeout));
    pipeline::BatchConfig b;
    b.inputs = inputs;
    b.output_dir = cfg.output_dir;
    if (!extensions.empty()) b.extensions = extensions;
    b.jobs = jobs;
    b.shard = shard.empty() ? pipeline::shard_from_environment() : pipeline::parse_shard(shard);
    b.force = cfg.force;
    b.video = cfg;
    b.video_timeout = video_timeout;
    if (worker) return pipeline::serve_batch_worker(b);
    b.worker_command = {own_executable(), "--batch-worker"};
    for (int i = 1; i < argc; ++i) b.worker_command.emplace_back(argv[i]);
    return run_batch_mode(b, quiet);
  }
  if (jobs != 1 || !shard.empty() || !extensions.empty() || !vm["video-timeout"].defaulted())
    throw invalid_argument(
        "--jobs, --shard, --extensions and --video-timeout are for batch mode (a folder or several inputs)");
  cfg.input = inputs[0];

  return run_single(cfg, quiet, json_out);
}

}  // namespace cords::cli
