#pragma once
// The hover preview (docs/formats.md): a few muted seconds from the top windows of the clip, small, as an animated
// WebP and an MP4, the kind video sites show when the pointer rests on a video. Made from the clip's frames as pass 2
// decodes them (no decoding of its own).
#include <memory>
#include <string>
#include <vector>

#include "cords/core/image.h"

namespace cords::output {
class ClipWriter;
}

namespace cords::pipeline {

class PreviewWriter {
 public:
  static constexpr int kWindows = 4;             ///< the most representative clip windows it shows
  static constexpr double kWindowSeconds = 1.5;  ///< from the start of each
  static constexpr int kFps = 10;
  static constexpr int kWidth = 320;

  /// Opens preview.mp4 and preview.webp in `dir` for frames of clip_width x clip_height; a build without an
  /// animated WebP encoder writes the MP4 alone (`notes` says so). Throws Error{OutputUnwritable}.
  PreviewWriter(const std::string& dir, int clip_width, int clip_height, std::vector<std::string>& notes);
  ~PreviewWriter();
  PreviewWriter(const PreviewWriter&) = delete;
  PreviewWriter& operator=(const PreviewWriter&) = delete;

  /// A window of the clip begins at `seconds`; `shown` says whether the preview takes from it.
  void begin(double seconds, bool shown);
  /// A frame of the current window, shown at `seconds`: taken while the window's share lasts, at kFps.
  void add(double seconds, const Yuv420& frame);
  /// Finishes the files; returns their names.
  std::vector<std::string> close();

 private:
  std::vector<std::unique_ptr<output::ClipWriter>> writers_;
  std::vector<std::string> names_;
  int width_ = 0, height_ = 0;
  bool shown_ = false;
  double start_ = 0, next_ = 0;
  int frames_ = 0;
};

}  // namespace cords::pipeline
