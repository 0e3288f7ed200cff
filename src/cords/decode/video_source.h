#pragma once
// What a video source says and gives: stream facts, decoded frames and the decoding options. FFmpegSource
// (ffmpeg_source.h) is the one source; the pipeline uses it directly (an abstract source had no second user).
#include <cstdint>
#include <functional>
#include <string>

#include "cords/core/image.h"
#include "cords/core/names.h"
#include "cords/core/timestamp.h"

namespace cords::decode {

/// Hardware decoding: none (the CPU), cuda (NVDEC through FFmpeg's hwaccel; the CPU when the driver, the codec or
/// the FFmpeg build cannot, with VideoInfo::hwaccel_note saying why), auto (NVDEC when an NVIDIA driver is there).
enum class HwAccel { None, Cuda, Auto };
inline constexpr Named<HwAccel> kHwAccels[] = {
    {HwAccel::None, "none"}, {HwAccel::Cuda, "cuda"}, {HwAccel::Auto, "auto"}};
/// "none", "cuda", "auto".
const char* to_string(HwAccel h);
/// The inverse; throws Error{InvalidArgument} naming the parameter "hwaccel" and the valid names.
HwAccel parse_hwaccel(const std::string& name);

/// What the container and the decoder say about a video stream. Unknown values are 0 (or -1 for duration).
struct VideoInfo {
  std::string path;
  std::string container;     ///< e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;         ///< e.g. "h264"
  std::string pixel_format;  ///< e.g. "yuv420p10le"
  int width = 0;             ///< displayed size, after rotation
  int height = 0;
  int rotation = 0;              ///< clockwise degrees applied to decoded frames (0, 90, 180, 270)
  Rational frame_rate;           ///< average (or guessed) frame rate, e.g. 30000/1001
  Rational time_base;            ///< of the stream's timestamps
  double duration = -1;          ///< seconds, from the container (may be wrong: never trusted for bounds)
  std::int64_t frame_count = 0;  ///< from the container, 0 when it does not say
  /// Seconds of the video stream's first timestamp (MPEG-TS often starts at 1.4 s): times shown to people
  /// (keyframe names, captions, the manifest's "time" and shots) count from it, as players do; pts stay exact.
  double start = 0;
  std::int64_t file_size = 0;  ///< bytes
  std::int64_t bit_rate = 0;   ///< overall, bits per second, from the container (0 when it does not say)
  std::string audio_codec;     ///< of the first audio stream, e.g. "aac"; "" when there is none
  int audio_channels = 0;      ///< as the container's header says (may be wrong: the summary takes the decoded count)
  HwAccel hwaccel = HwAccel::None;  ///< Cuda when frames are decoded by NVDEC, None on the CPU
  std::string hwaccel_note;         ///< why a requested hardware decoder is not used ("" when it is, or none was asked)
};

/// A decoded, sampled frame: its exact timestamp, its index among all decoded frames, and the picture.
struct Frame {
  Timestamp ts;
  std::int64_t index = 0;
  bool key = false;
  Image image;  ///< RGB, at the size the source was asked for, rotation applied (empty when only yuv was asked for)
  Yuv420 yuv;   ///< with DecodeOptions::yuv420: planar 4:2:0 at the size asked for, rotation applied
};

struct DecodeOptions {
  double sample_fps = 2.0;      ///< frames kept per second of video; 0 = every decoded frame
  bool keyframes_only = false;  ///< decode only key frames (AVDISCARD_NONKEY): far cheaper on long GOPs
  int out_width = 0;            ///< output size; 0 = native; with one of them 0 the aspect ratio is kept
  int out_height = 0;
  int threads = 0;  ///< cores to decode on (three frame threads each, at most 16); 0 = all this process may use
  /// When set and true for a frame's timestamp, that frame is converted at its native size instead (e.g. the
  /// keyframes among clip frames: full-resolution stills without converting every clip frame at full size).
  std::function<bool(const Timestamp&)> native_size_for;
  /// Frames come as Frame::yuv (planar 4:2:0 at the size asked for) instead of RGB: what a video encoder takes,
  /// scaled straight from the decoder's format. Frames that native_size_for selects come as both: the RGB image at
  /// native size and the YUV picture at the size asked for.
  bool yuv420 = false;
  /// Hardware decoding: "none" (the CPU), "cuda" (NVDEC through FFmpeg's hwaccel; the CPU when the driver, the
  /// codec or the FFmpeg build cannot, with VideoInfo::hwaccel_note saying why) or "auto" (NVDEC when an NVIDIA
  /// driver is installed, quietly the CPU otherwise). Frames are copied back to memory as decoded (NV12), so
  /// everything after decoding is unchanged.
  HwAccel hwaccel = HwAccel::None;
  /// A stretch of the video (seconds from its start, VideoInfo::start, as --start/--end): frames before range_start
  /// are not returned (the source seeks there first when it is > 0), and the stream ends at the first frame at or
  /// after range_end (when > 0). Lets several sources decode parts of one long input side by side.
  double range_start = 0, range_end = 0;
  /// Compute segment::FrameStat for every decoded frame (FFmpegSource::take_frame_stats): about 30 us a frame.
  bool frame_stats = false;
  /// Skip the in-loop deblocking filter (H.264/HEVC and others that have one): about 15% less decoding time on
  /// 1080p H.264. Frames predicted from unfiltered ones drift from the encoder's pictures within a GOP, by less than
  /// the eye sees at a sample's size (PSNR > 40 dB at 455 x 256; docs/video.md): for pass 1's small samples, never
  /// for pictures that are shown.
  bool skip_loop_filter = false;
};

}  // namespace cords::decode
