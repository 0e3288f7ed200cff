#pragma once
// AudioReader: the input's audio, as interleaved float samples of any stretch of time, for the summary clip's sound.
// Mono stays mono, everything else becomes stereo (FFmpeg's downmix); the sample rate is the input's when AAC can
// carry it, else 48 kHz. Not thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cords::decode {

class AudioReader {
 public:
  /// The first audio stream of `path`, or nullptr when it has none or FFmpeg cannot decode it.
  static std::unique_ptr<AudioReader> open(const std::string& path);
  ~AudioReader();
  AudioReader(const AudioReader&) = delete;
  AudioReader& operator=(const AudioReader&) = delete;

  int sample_rate() const;
  int channels() const;  ///< 1 or 2
  /// `count` sample frames (count x channels() floats) starting at `start` seconds of the stream's timestamps;
  /// silence where the stream has no sound (before it starts, after it ends, in gaps, where packets are corrupt).
  std::vector<float> read(double start, std::int64_t count);

 private:
  struct Impl;
  explicit AudioReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cords::decode
