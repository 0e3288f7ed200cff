#include "cords/core/image.h"

#include <cstring>

namespace cords {
namespace {

// Rotates a plane of w x h pixels of `bytes` bytes each (rows packed) clockwise into `out`, whose rows are then
// h pixels long for 90 and 270 degrees.
void rotate_plane(const std::uint8_t* in, int w, int h, int bytes, int degrees, std::uint8_t* out) {
  const int out_w = degrees == 90 || degrees == 270 ? h : w;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int ox = x, oy = y;
      if (degrees == 90) {
        ox = h - 1 - y;
        oy = x;
      } else if (degrees == 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else if (degrees == 270) {
        ox = y;
        oy = w - 1 - x;
      }
      std::memcpy(out + (static_cast<std::size_t>(oy) * out_w + ox) * bytes,
                  in + (static_cast<std::size_t>(y) * w + x) * bytes, static_cast<std::size_t>(bytes));
    }
}

int normalised(int degrees) {
  return ((degrees % 360) + 360) % 360;
}

}  // namespace

void Yuv420::resize(int w, int h) {
  width = w;
  height = h;
  data.resize(static_cast<std::size_t>(w) * h + 2 * static_cast<std::size_t>(chroma_width()) * chroma_height());
}

const std::uint8_t* Yuv420::plane(int p) const {
  const std::size_t luma = static_cast<std::size_t>(width) * height;
  const std::size_t chroma = static_cast<std::size_t>(chroma_width()) * chroma_height();
  return data.data() + (p == 0 ? 0 : luma + (p - 1) * chroma);
}

std::uint8_t* Yuv420::plane(int p) {
  return const_cast<std::uint8_t*>(static_cast<const Yuv420&>(*this).plane(p));
}

Image rotate_clockwise(const Image& in, int degrees) {
  degrees = normalised(degrees);
  if (degrees == 0 || in.empty()) return in;
  Image out;
  const bool swap = degrees == 90 || degrees == 270;
  out.width = swap ? in.height : in.width;
  out.height = swap ? in.width : in.height;
  out.data.resize(in.data.size());
  rotate_plane(in.data.data(), in.width, in.height, 3, degrees, out.data.data());
  return out;
}

Yuv420 rotate_clockwise(const Yuv420& in, int degrees) {
  degrees = normalised(degrees);
  if (degrees == 0 || in.empty()) return in;
  Yuv420 out;
  const bool swap = degrees == 90 || degrees == 270;
  out.resize(swap ? in.height : in.width, swap ? in.width : in.height);
  // The chroma planes turn with the picture; for odd sizes their rounded-up size carries over (ceil(h/2) x ceil(w/2)).
  for (int p = 0; p < 3; ++p)
    rotate_plane(in.plane(p), in.plane_width(p), in.plane_height(p), 1, degrees, out.plane(p));
  return out;
}

}  // namespace cords
