#pragma once
// An 8-bit interleaved RGB image: pixel (x, y) channel c at data[(y * width + x) * 3 + c]. Move-friendly value.
#include <cstdint>
#include <vector>

namespace cords {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> data;  ///< width * height * 3 bytes, RGB
  bool empty() const { return width <= 0 || height <= 0; }
  const std::uint8_t* pixel(int x, int y) const { return data.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
};

/// Rotates clockwise by 0, 90, 180 or 270 degrees.
Image rotate_clockwise(const Image& in, int degrees);

}  // namespace cords
