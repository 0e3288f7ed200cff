#pragma once
// What a person looks at: keyframe images, the contact sheet and the summary clip (OpenCV). Images are encoded in
// memory and written atomically; the clip is written to a temporary file and renamed on close().
#include <memory>
#include <string>
#include <vector>

#include "cords/core/image.h"
#include "cords/core/timestamp.h"
#include "cords/output/clip_pacer.h"

namespace cords::output {

/// Encodes by the extension of `path` (.jpg/.jpeg, .png, .webp) and writes atomically.
/// Throws Error{InvalidArgument} for an unsupported extension, Error{OutputUnwritable} when it cannot write.
void write_image(const std::string& path, const Image& img, int jpeg_quality = 90);

struct SheetTile {
  const Image* image = nullptr;
  std::string caption;  ///< e.g. "01:23.500"
};

struct SheetOptions {
  int columns = 0;                  ///< 0: about square
  int tile_width = 320;             ///< pixels; tile height follows the first tile's aspect ratio
  std::vector<std::string> header;  ///< lines at the top (file, duration, resolution, codec, selector)
};

/// `img` scaled down (area averaging) to at most `max_width` pixels wide, aspect ratio kept; smaller images as they
/// are. What the summarizer keeps of each keyframe for the sheet once its full-size image is written.
Image thumbnail(const Image& img, int max_width);

/// Whether this build can draw contact sheets (it needs OpenCV's imgproc; builds without OpenCV, such as the one for
/// the GPU machine, write every other output).
bool contact_sheet_available();

/// A grid of tiles with their captions under a header, on a dark background. Throws Error{Unsupported} when
/// contact_sheet_available() is false.
Image make_contact_sheet(const std::vector<SheetTile>& tiles, const SheetOptions& opts);

/// Writes the summary clip with libavcodec/libavformat: H.264 (libx264, preset veryfast, me=dia, subme=1, CRF 23,
/// yuv420p) when the FFmpeg build has it, else MPEG-4 Part 2. The container follows the file extension (.mp4, .mkv,
/// ...). Frames come in YUV 4:2:0 as decoded (no RGB round trip), at the clip's size (width and height rounded down to
/// even). Written to a temporary file and renamed into place by close().
/// The clip's sound: AAC at this rate and channel count (1 or 2), from interleaved float samples.
struct ClipAudio {
  int sample_rate = 0;
  int channels = 0;
};

class ClipWriter : public ClipSink {
 public:
  /// With `audio`, the clip also gets an AAC track, written by write_audio(). Throws Error{OutputUnwritable} when
  /// no encoder can be opened or the file cannot be created.
  ClipWriter(const std::string& path, Rational fps, int width, int height, const ClipAudio* audio = nullptr);
  ~ClipWriter() override;
  ClipWriter(const ClipWriter&) = delete;
  ClipWriter& operator=(const ClipWriter&) = delete;
  /// Queues a frame for encoding on the writer's own thread (a few are buffered). Throws Error{OutputUnwritable}
  /// when an earlier frame could not be encoded or written, Error{Internal} for a frame of another size.
  void write(Yuv420 frame) override;
  /// Queues interleaved samples that follow the sound written so far (nothing without an audio track). The caller
  /// keeps the sound in step with the pictures: each picture lasts 1/fps, so n pictures take n x rate / fps samples.
  void write_audio(std::vector<float> samples) override;
  /// Flushes the encoder, finishes the file and renames it into place. Throws Error{OutputUnwritable}.
  void close();
  const std::string& codec() const { return codec_; }              ///< "h264" or "mpeg4"
  const std::string& audio_codec() const { return audio_codec_; }  ///< "aac", or "" without sound

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string codec_, audio_codec_;
};

/// Cuts the summary clip out of the input without decoding or re-encoding it (a stream copy of the video stream):
/// each segment starts at a key frame and takes the packets that follow in decode order up to the segment's end,
/// so every copied frame has its references. Used by fast mode, whose keyframes are the input's key frames. The
/// clip keeps the input's codec, resolution and rotation. Written to a temporary file and renamed by close().
class ClipCopier {
 public:
  /// A copier for `input`'s best video stream into `path` (container by extension), or nullptr when that container
  /// cannot hold the input's codec (the caller then re-encodes). Throws Error{OutputUnwritable} when the file
  /// cannot be created, Error{InputUnreadable} when the input cannot be opened.
  /// With `audio`, the clip also gets an AAC track, written by write_audio(): the sound is encoded, not copied, as
  /// AAC packets (21-23 ms, with the encoder's priming) cannot meet the pictures within a frame at every joint.
  static std::unique_ptr<ClipCopier> open(const std::string& input, const std::string& path,
                                          const ClipAudio* audio = nullptr);
  ~ClipCopier();
  ClipCopier(const ClipCopier&) = delete;
  ClipCopier& operator=(const ClipCopier&) = delete;
  /// Where a segment's pictures came from and where the clip shows them (seconds): input [from, until), shown
  /// from `at` in the clip (whose first frame is at 0). Empty (until == from) when nothing was copied.
  struct CopiedSpan {
    double from = 0, until = 0, at = 0;
  };
  /// Appends [start, end) seconds, from the key frame at or before `start`; `span`, when given, says what was
  /// copied. Returns false (and writes nothing more) when the input's packets lack the timestamps a copy needs; the
  /// clip must then be re-encoded.
  bool append(double start, double end, CopiedSpan* span = nullptr);
  /// Interleaved samples that follow the sound written so far (nothing without an audio track); the caller keeps
  /// them in step with the spans appended.
  void write_audio(const std::vector<float>& samples);
  /// Finishes the file and renames it into place. Throws Error{OutputUnwritable}.
  void close();
  const std::string& codec() const { return codec_; }              ///< the input's codec name
  const std::string& audio_codec() const { return audio_codec_; }  ///< "aac", or "" without sound
  std::int64_t packets() const;                                    ///< packets copied so far

 private:
  ClipCopier(const std::string& input, const std::string& path);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string codec_, audio_codec_;
};

}  // namespace cords::output
