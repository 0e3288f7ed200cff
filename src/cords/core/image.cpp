#include "cords/core/image.h"

#include <cstring>

namespace cords {

Image rotate_clockwise(const Image& in, int degrees) {
  degrees = ((degrees % 360) + 360) % 360;
  if (degrees == 0 || in.empty()) return in;
  Image out;
  const bool swap = degrees == 90 || degrees == 270;
  out.width = swap ? in.height : in.width;
  out.height = swap ? in.width : in.height;
  out.data.resize(in.data.size());
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x) {
      int ox = x, oy = y;
      if (degrees == 90) {
        ox = in.height - 1 - y;
        oy = x;
      } else if (degrees == 180) {
        ox = in.width - 1 - x;
        oy = in.height - 1 - y;
      } else {
        ox = y;
        oy = in.width - 1 - x;
      }
      std::memcpy(&out.data[(static_cast<std::size_t>(oy) * out.width + ox) * 3], in.pixel(x, y), 3);
    }
  return out;
}

}  // namespace cords
