#pragma once
// AudioReader: the input's audio, as interleaved float samples of any stretch of time, for the summary clip's sound.
// Mono stays mono, everything else becomes stereo (FFmpeg's downmix); the sample rate is the input's when AAC can
// carry it, else 48 kHz. Not thread-safe.
//
// Nothing is taken from the container's header: a header may say "2 channels" for mono MP3 in MP4, and decoders
// change format, layout or rate in mid-stream (HE-AAC's doubled rate, broadcast streams switching between 5.1 and
// stereo). The output format is fixed by the first frame that decodes, and each decoded frame is converted from its
// own sample format, channel layout and rate (the resampler is rebuilt whenever those change).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cords::decode {

/// What the first audio stream really holds, from its first decoded frame (not from the container's header).
struct AudioFacts {
  std::string codec;    ///< e.g. "mp3"
  int channels = 0;     ///< of the decoded frames, e.g. 1 for mono
  int sample_rate = 0;  ///< of the decoded frames, Hz
  std::string layout;   ///< FFmpeg's name of the channel layout, e.g. "mono", "5.1"; "" when unspecified
};

class AudioReader {
 public:
  /// The first audio stream of `path`, or nullptr when it has none or none of its first packets decodes.
  static std::unique_ptr<AudioReader> open(const std::string& path);
  ~AudioReader();
  AudioReader(const AudioReader&) = delete;
  AudioReader& operator=(const AudioReader&) = delete;

  int sample_rate() const;  ///< of what read() returns
  int channels() const;     ///< of what read() returns: 1 or 2
  /// The stream as decoded (its first frame).
  const AudioFacts& facts() const;
  /// `count` sample frames (count x channels() floats) starting at `start` seconds of the stream's timestamps;
  /// silence where the stream has no sound (before it starts, after it ends, in gaps, where packets are corrupt).
  std::vector<float> read(double start, std::int64_t count);

 private:
  struct Impl;
  explicit AudioReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cords::decode
