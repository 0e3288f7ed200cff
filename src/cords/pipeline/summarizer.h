#pragma once
// Summarize one video: decode (own thread) -> bounded queue -> embed -> shots -> select -> write.
// Outputs go to a temporary directory beside the destination that is renamed into place at the end, so a failed
// or interrupted run leaves no partial summary (docs/video.md).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cords/core/range.h"
#include "cords/decode/frame_source.h"
#include "cords/decode/video_source.h"
#include "cords/embed/embedder.h"
#include "cords/pipeline/exports.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/segment/shots.h"
#include "cords/segment/transitions.h"
#include "cords/select/budget.h"
#include "cords/select/kernel.h"

namespace cords::pipeline {

struct SamplingOptions;
/// The one place the summary makes a decoder: cfg.open_source, or FFmpeg.
std::unique_ptr<decode::FrameSource> open_source(const SamplingOptions& cfg, const decode::DecodeOptions& o);

/// Pass 1 (sampling.h): what is decoded and how often.
struct SamplingOptions {
  std::string input;
  double sample_fps = 2.0;                          ///< frames sampled per second of video
  bool keyframes_only = false;                      ///< fast mode: decode only key frames
  decode::HwAccel hwaccel = decode::HwAccel::Auto;  ///< video decoding: NVDEC when an NVIDIA driver is there
  /// Where every decoder of the summary is made (the frame-source seam); empty: FFmpeg (decode::open_ffmpeg).
  /// Tests give in-memory frames here. Called from several threads at once (range decoders, keyframe decoders).
  decode::FrameSourceFactory open_source;
  double start_seconds = 0;  ///< summarize from here (seconds from the video's start; --start)
  double end_seconds = 0;    ///< to here (> start_seconds; 0: the end; --end)
  int threads = 0;           ///< cores to use: selection threads, three decoder frame threads each; 0 = all
  /// Seek-bar thumbnails (thumbnails.vtt and its sprites, visuals.h): kept from the samples as they are decoded.
  bool write_thumbnails = true;
};

/// Shots (shots.h): frame-exact on every decoded frame, or on the samples.
struct ShotStageOptions {
  bool detect_shots = true;                ///< false (--no-shots): the whole video is one shot
  segment::ShotOptions shots;              ///< shots on the samples (fast mode, and inputs without frame statistics)
  segment::TransitionOptions transitions;  ///< frame-exact shots (full decode: every decoded frame)
};

/// Keyframe selection (keyframes.h).
struct KeyframeOptions {
  /// Keyframes: a count, a fraction of the sampled frames (with --fast, of those a full run would sample), or
  /// automatic (auto_budget).
  select::Budget budget;
  std::string selector = "facility-location";  ///< a set function (or mixture), or "uniform" / "random"
  std::string optimizer = "lazy";
  select::Metric metric = select::Metric::Cosine;  ///< similarity of the frames' features (not Precomputed)
  bool per_shot = false;                           ///< split the budget over detected shots
  std::uint64_t seed = 0;
};

/// The summary clip (clip_plan.h, visuals.h, output/clip_pacer.h).
struct ClipOptions {
  bool write_clip = true;
  std::string clip_name = "summary.mp4";
  /// The clip's length (docs/video.md, "Summary clip"): 0 = automatic (15% of the video summarized, at least 3 s,
  /// at most 60 s and at most half of it); > 0: these seconds, or with clip_length_percent this share of the video.
  double clip_length = 0.0;
  bool clip_length_percent = false;
  double clip_seconds = 1.0;    ///< the shortest window around a keyframe in the clip (half before it)
  double clip_crossfade = 0.0;  ///< seconds of crossfade (pictures and sound) at each joint; 0: cuts
  int clip_max_height = 720;    ///< the clip is scaled down to at most this height
  /// Fast mode cuts the clip out of the input without re-encoding when the clip's container can hold the input's
  /// codec (source codec and resolution, no decoding); false re-encodes it as in full mode.
  bool clip_copy = true;
  bool clip_audio = true;  ///< the input's sound in an encoded clip (AAC), when it has any
};

/// The pictures (visuals.h): keyframe images and the contact sheet.
struct PictureOptions {
  bool write_sheet = true, write_keyframes = true;
  std::string sheet_name = "sheet.jpg";
  int sheet_columns = 0;  ///< contact sheet columns; 0: about square (--grid CxR sets C)
  int sheet_width = 0;    ///< contact sheet width in pixels; 0: 320-pixel tiles (--sheet-width)
};

/// The summary folder (summary_dir.h, manifest.h).
struct FolderOptions {
  std::string output_dir;  ///< "" = ./<input stem>.summary
  std::string json_name = "summary.json";
  bool write_exports = true;     ///< shots.csv, chapters.vtt and the editor exports (EDL, OTIO) beside the manifest
  bool write_page = true;        ///< index.html: the summary's own page (page.h)
  bool write_preview = true;     ///< preview.webp and preview.mp4: the hover preview (preview.h), with an encoded clip
  bool scenedetect_csv = false;  ///< shots.csv exactly as PySceneDetect's list-scenes: with its "Timecode List:" row
  bool force = false;            ///< replace an existing summary written by this tool (summary_dir.h)
};

/// A summary's whole configuration: the stages' own option structs together (each stage takes only the ones it
/// reads), and the frames' features.
struct SummarizeConfig : SamplingOptions,
                         ShotStageOptions,
                         KeyframeOptions,
                         ClipOptions,
                         PictureOptions,
                         FolderOptions {
  embed::EmbedderConfig embedder;  ///< frame features (auto: the default CNN when present), model, device
};

/// How shots were found: on every decoded frame (frame-exact), on the sampled frames (fast mode), or not at all
/// (--no-shots: the whole video is one shot).
enum class ShotDetection { Frames, Samples, Off };
/// "frames", "samples", "off": the manifest's words.
const char* to_string(ShotDetection d);

/// A seek-bar thumbnail: the first sample at or after `seconds` (a multiple of the interval), at display aspect.
struct Thumb {
  double seconds = 0;  ///< the start of its interval (from the video's start)
  Image image;
};

struct Keyframe {
  Timestamp ts;
  std::int64_t frame = 0;   ///< index among decoded frames
  std::int64_t sample = 0;  ///< index among sampled frames
  std::int64_t shot = 0;
  double gain = 0.0;
  std::int64_t represents = 0;  ///< samples nearer to it than to any other keyframe (how much it stands for)
  /// Among the clip's windows, most representative first (0; clip_plan.h's choose_clip ranks them); -1 when its
  /// window is not in the clip. (0 by default: every keyframe's window in the clip.)
  int clip_rank = 0;
  std::string image;  ///< relative path, "" when keyframe images are off
  bool in_clip() const { return clip_rank >= 0; }
};

struct SummaryResult {
  std::string output_dir;
  decode::VideoInfo info;
  std::int64_t sampled = 0;
  std::int64_t decode_skipped = 0;
  std::int64_t excluded_samples = 0;  ///< black or fading samples kept out of the candidates (segment::usable_samples)
  bool fast_fallback = false;  ///< --fast found fewer key frames than the keyframes wanted and sampled normally instead
  bool every_frame = false;    ///< the input is shorter than one sampling period: every frame was sampled
  std::vector<segment::Shot> shots;
  std::vector<ShotSpan> shot_spans;  ///< every shot as exported (shots.csv, chapters.vtt): frames and seconds
  ShotDetection shot_detection = ShotDetection::Samples;
  std::vector<segment::Span> transitions;  ///< fades, dissolves and flashes found on the frames (not keyframes)
  std::vector<Keyframe> keyframes;         ///< sorted by time
  double objective = 0.0;
  std::string clip_codec;
  std::string clip_audio;      ///< "aac" when the clip has sound, "" otherwise
  std::string clip_mode;       ///< "copy" (fast mode's stream copy), "encode", or "" without a clip
  bool sheet_written = false;  ///< the contact sheet was drawn (asked for, and the build has OpenCV)
  std::string embedder;        ///< e.g. "histogram", "cnn:mobilenet_v2"
  /// What degraded the summary without failing it (corrupt packets skipped, keyframes that could not be decoded again
  /// and were dropped): one sentence each, in the manifest, the batch report and the gallery.
  std::vector<std::string> warnings;
  /// What the user should know though nothing degraded (--fast decoded every frame, the clip was encoded rather than
  /// copied): one sentence each, on stderr.
  std::vector<std::string> notes;
  std::string budget_rule;  ///< how k was set: "budget", "fraction" or "auto"
  double decode_embed_s = 0, select_s = 0, write_s = 0, total_s = 0;
  std::int64_t near_duplicates = 0;  ///< keyframes left repeating an earlier one (no distinct candidate was left)
  /// Automatic budget: picks left out as repeats (it stops at the distinct content).
  std::int64_t repeats_left_out = 0;
  /// The clip's plan (clip_plan.h's choose_clip): target length, window length, windows; zero without a clip.
  struct ClipPlan {
    double target_s = 0, window_s = 0;
    std::size_t windows = 0;
  } clip_plan;
  /// The stretches of the input in the clip as written, in order (seconds from the video's start): the EDL and
  /// OpenTimelineIO exports cut them from the original file.
  std::vector<SourceSpan> clip_segments;
  /// Seek-bar thumbnails taken in pass 1 (moved out of the samples), written as sprites with thumbnails.vtt.
  std::vector<Thumb> thumbnails;
  std::vector<std::string> thumbnail_files;  ///< what was written of them: thumbnails.vtt, then the sprites
  std::vector<std::string> preview_files;    ///< the hover preview as written (preview.mp4, preview.webp)
  int decode_workers = 1;                    ///< decoders that ran side by side in pass 1 (fast mode on long inputs)
  /// --fast on a long input: the rate key frames were sampled at to keep the candidates the budget needs (below
  /// --sample-fps); 0 when every key frame (at most --sample-fps) was sampled.
  double candidate_fps = 0;
};

/// (stage, done, total): stage is "decode", "select" or "write"; total 0 when unknown.
using ProgressFn = std::function<void(const std::string&, std::int64_t, std::int64_t)>;

/// The automatic budget (neither --budget nor --fraction, or --budget auto), for n samples of which `candidates` may
/// be keyframes, in `shots` shots: a contact sheet of about 16 for short videos (a quarter of the samples, at most
/// 16), 5% of the samples for long ones, never fewer than the shots; at most the candidates. With it, the budget is
/// split over the shots (as --per-shot), so every shot gets a keyframe.
std::int64_t auto_budget(std::int64_t n, std::int64_t candidates, std::int64_t shots);

/// The cores a run uses: SummarizeConfig::threads, or all the machine's when it is 0.
int cores_to_use(const SamplingOptions& cfg);

/// The ranges of SummarizeConfig's numbers (and batch mode's), by parameter name: validate_config checks them, and
/// the CLI's option table shows them (one range, written here).
inline constexpr RangeRow kSummarizeRanges[] = {
    {"sample_fps", above(0, "for every frame, give one above the frame rate, e.g. 1000")},
    {"clip_seconds", above(0)},
    {"clip_crossfade", from_to(0, 10, "seconds")},
    {"clip_height", at_least(16)},
    {"threads", at_least(0, "0 = all cores")},
    {"shot_threshold", above(1, "3 is the default")},
    {"min_shot_length", at_least(0, "seconds")},
    {"start", at_least(0)},
    {"end", at_least(0)},
    {"sheet_width", from_to(200, 16384, "pixels")},
    {"jobs", at_least(1)},
    {"video_timeout", at_least(0, "seconds; 0 = no limit")},
};
/// The range of `name` in kSummarizeRanges.
const Range& summarize_range(const std::string& name);

/// Throws Error{InvalidArgument} for a bad setting (what run_summarize checks before any work; the budget checks
/// itself when made): non-finite or non-positive rates and durations, unknown names, --sheet/--clip names that are not
/// plain file names with a known extension or that collide.
void validate_config(const SummarizeConfig& cfg);

/// Throws cords::Error: InputUnreadable (bad input file, or none of the keyframes or clip frames could be decoded
/// again), InvalidArgument (bad options, budget larger than the sampled frames, a video with fewer than 2 samples),
/// OutputUnwritable (an existing output without force, or one that is not a summary of this tool; unwritable
/// directory). On success every output the manifest lists exists; degraded results are in SummaryResult::warnings.
/// `embedder`, when given, is used instead of building one from cfg (batch mode shares one loaded model between videos
/// and threads; its embed() must be safe to call concurrently, as both embedders are).
SummaryResult run_summarize(const SummarizeConfig& cfg, const ProgressFn& progress = {},
                            embed::Embedder* embedder = nullptr);

/// The settings that shape a summary's outputs (not where it goes, how many cores or which device), as compact JSON
/// text: the manifest's "options", which batch mode compares when it resumes.
std::string options_record(const SummarizeConfig& cfg);

/// --selector's valid values as --help lists them: select's set functions, a weighted mixture, the baselines.
std::string selector_help();

/// The default output directory for an input: ./<stem>.summary
std::string default_output_dir(const std::string& input);

}  // namespace cords::pipeline
