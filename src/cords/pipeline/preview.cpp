#include "cords/pipeline/preview.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cords/core/error.h"
#include "cords/output/writers.h"

namespace cords::pipeline {

PreviewWriter::PreviewWriter(const std::string& dir, int clip_width, int clip_height, std::vector<std::string>& notes) {
  width_ = std::min(kWidth, clip_width) / 2 * 2;
  height_ = std::max(2, static_cast<int>(std::lround(1.0 * clip_height * width_ / std::max(1, clip_width))) / 2 * 2);
  const std::filesystem::path d(dir);
  writers_.push_back(
      std::make_unique<output::ClipWriter>((d / "preview.mp4").string(), Rational{kFps, 1}, width_, height_));
  names_.push_back("preview.mp4");
  try {
    writers_.push_back(
        std::make_unique<output::ClipWriter>((d / "preview.webp").string(), Rational{kFps, 1}, width_, height_));
    names_.push_back("preview.webp");
  } catch (const Error& e) {
    notes.push_back(std::string("no animated WebP preview: ") + e.what());
  }
}

PreviewWriter::~PreviewWriter() = default;

void PreviewWriter::begin(double seconds, bool shown) {
  shown_ = shown;
  start_ = next_ = seconds;
}

void PreviewWriter::add(double seconds, const Yuv420& frame) {
  if (!shown_ || seconds < next_ - 1e-6) return;
  if (seconds >= start_ + kWindowSeconds - 1e-6) {
    shown_ = false;
    return;
  }
  const Yuv420 small = resize_area(frame, width_, height_);
  for (auto& w : writers_) w->write(small);
  ++frames_;
  next_ += 1.0 / kFps;
  while (next_ <= seconds) next_ += 1.0 / kFps;  // (a frame rate below kFps: no catching up)
}

std::vector<std::string> PreviewWriter::close() {
  if (frames_ == 0) return {};  // (nothing was shown: the files are dropped with the writers)
  for (auto& w : writers_) w->close();
  return names_;
}

}  // namespace cords::pipeline
