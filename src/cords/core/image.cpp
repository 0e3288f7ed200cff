#include "cords/core/image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

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

namespace {

// For each output index of a line of `out` from `in` source pixels: the source pixels it covers and their weights.
struct Taps {
  std::vector<int> first, count;
  std::vector<float> weight;  // count[i] weights from offset[i]
  std::vector<int> offset;
};

Taps area_taps(int in, int out) {
  Taps t;
  const double scale = static_cast<double>(in) / out;
  for (int i = 0; i < out; ++i) {
    const double a = i * scale, b = std::min<double>(in, (i + 1) * scale);
    const int lo = static_cast<int>(std::floor(a)), hi = std::max(lo + 1, static_cast<int>(std::ceil(b)));
    t.first.push_back(lo);
    t.count.push_back(hi - lo);
    t.offset.push_back(static_cast<int>(t.weight.size()));
    const double span = std::max(b - a, 1e-9);
    for (int s = lo; s < hi; ++s) {
      const double cover = std::min<double>(s + 1, b) - std::max<double>(s, a);
      t.weight.push_back(static_cast<float>(std::max(0.0, cover) / span));
    }
  }
  return t;
}

// Area-averages a plane of `channels` interleaved bytes per pixel, sw x sh (rows `sw * channels` apart), into w x h.
void resize_plane(const std::uint8_t* in, int sw, int sh, int channels, std::uint8_t* out, int w, int h) {
  const Taps tx = area_taps(sw, w), ty = area_taps(sh, h);
  const auto ch = static_cast<std::size_t>(channels);
  std::vector<float> rows(static_cast<std::size_t>(sh) * w * ch, 0.0f);  // horizontal pass
  for (int y = 0; y < sh; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < tx.count[x]; ++k) {
        const std::uint8_t* p = in + (static_cast<std::size_t>(y) * sw + tx.first[x] + k) * ch;
        const float wt = tx.weight[static_cast<std::size_t>(tx.offset[x]) + static_cast<std::size_t>(k)];
        float* o = rows.data() + (static_cast<std::size_t>(y) * w + x) * ch;
        for (std::size_t c = 0; c < ch; ++c) o[c] += wt * p[c];
      }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (std::size_t c = 0; c < ch; ++c) {
        float v = 0;
        for (int k = 0; k < ty.count[y]; ++k)
          v += ty.weight[static_cast<std::size_t>(ty.offset[y]) + static_cast<std::size_t>(k)] *
               rows[(static_cast<std::size_t>(ty.first[y] + k) * w + x) * ch + c];
        out[(static_cast<std::size_t>(y) * w + x) * ch + c] =
            static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
}

}  // namespace

Image resize_area(const Image& in, int w, int h) {
  Image out;
  if (in.empty() || w <= 0 || h <= 0) return out;
  out.width = w;
  out.height = h;
  out.data.resize(static_cast<std::size_t>(w) * h * 3);
  resize_plane(in.data.data(), in.width, in.height, 3, out.data.data(), w, h);
  return out;
}

Yuv420 resize_area(const Yuv420& in, int w, int h) {
  Yuv420 out;
  if (in.empty() || w <= 0 || h <= 0) return out;
  out.resize(w, h);
  for (int p = 0; p < 3; ++p)
    resize_plane(in.plane(p), in.plane_width(p), in.plane_height(p), 1, out.plane(p), out.plane_width(p),
                 out.plane_height(p));
  return out;
}

}  // namespace cords
