// Fuzz target: the video path on tiny inputs. Each input is a media file (seeds: the smallest files of the
// conformance corpus, tests/fuzz/corpus/video) that goes through what a summary does with it:
//   - demuxing and decoding (FFmpegSource: sampling grid, frame statistics, seeking back with go_to and by key
//     frame), pictures converted to RGB and to YUV 4:2:0;
//   - its sound (AudioReader: the first frame's format, then a stretch resampled);
//   - a whole summary (run_summarize with colour histograms: shots, selection, keyframes, clip with sound, exports,
//     manifest) into a fresh folder.
// Every failure must be a cords::Error: a crash, a sanitizer report, another exception, a hang (libFuzzer's
// -timeout) or memory beyond -rss_limit_mb is a finding.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "cords/core/error.h"
#include "cords/decode/audio_reader.h"
#include "cords/decode/ffmpeg_source.h"
#include "cords/pipeline/summarizer.h"
#include "fuzz_input.h"

namespace {

void decode(const std::string& path) {
  cords::decode::DecodeOptions o;
  o.sample_fps = 2;
  o.frame_stats = true;
  o.out_width = 32;
  o.out_height = 32;
  o.threads = 1;
  o.hwaccel = cords::decode::HwAccel::None;
  cords::decode::FFmpegSource src(path, o);
  cords::decode::Frame f;
  std::optional<cords::Timestamp> first;
  for (int n = 0; n < 64 && src.next(f); ++n)
    if (!first) first = f.ts;
  src.take_frame_stats();
  if (!first) return;
  src.go_to(*first);  // back to the first sample: the seek-or-decode-on path
  for (int n = 0; n < 4 && src.next(f); ++n) {
  }
  src.decode_key_frame(first->pts, f);
}

void sound(const std::string& path) {
  auto audio = cords::decode::AudioReader::open(path);
  if (audio) audio->read(0.0, 4800);
}

void summarize(const std::string& path) {
  static const std::string out = path + ".summary";
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  cords::pipeline::SummarizeConfig c;
  c.input = path;
  c.output_dir = out;
  c.embedder.features = cords::embed::Features::Histogram;
  c.hwaccel = cords::decode::HwAccel::None;
  c.threads = 1;
  c.clip_max_height = 64;
  c.force = true;
  cords::pipeline::run_summarize(c);
  std::filesystem::remove_all(out, ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = cords::fuzz::write_input(data, size, ".media");
  for (void (*step)(const std::string&) : {decode, sound, summarize}) {
    try {
      step(path);
    } catch (const cords::Error&) {
    }
  }
  return 0;
}
