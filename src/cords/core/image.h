#pragma once
// Pictures as the library passes them around: Image, 8-bit interleaved RGB (pixel (x, y) channel c at
// data[(y * width + x) * 3 + c]), what embedders and image writers take; and Yuv420, planar YUV 4:2:0, what
// decoders give and video encoders take (the summary clip's frames, never converted to RGB and back).
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

/// Planar YUV 4:2:0, 8 bits (limited range, as the decoder's scaler writes it): the Y plane, width x height, then
/// the U and V planes, chroma_width() x chroma_height() each; rows packed, no padding.
struct Yuv420 {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> data;
  bool empty() const { return width <= 0 || height <= 0; }
  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
  /// Allocates the planes for a width x height picture (contents unspecified).
  void resize(int w, int h);
  /// Plane 0 (Y), 1 (U) or 2 (V); its rows are plane_width(p) bytes apart.
  std::uint8_t* plane(int p);
  const std::uint8_t* plane(int p) const;
  int plane_width(int p) const { return p == 0 ? width : chroma_width(); }
  int plane_height(int p) const { return p == 0 ? height : chroma_height(); }
};

/// Scales to w x h by area averaging (each output pixel the mean of the input area it covers, fractions weighted):
/// what a thumbnail wants from a larger picture; also stretches a picture back to its display aspect ratio.
Image resize_area(const Image& in, int w, int h);
Yuv420 resize_area(const Yuv420& in, int w, int h);  ///< (each plane alike; w and h even)

/// Rotates clockwise by 0, 90, 180 or 270 degrees.
Image rotate_clockwise(const Image& in, int degrees);
Yuv420 rotate_clockwise(const Yuv420& in, int degrees);

}  // namespace cords
