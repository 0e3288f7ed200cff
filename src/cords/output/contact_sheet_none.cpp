// Builds without OpenCV (the GPU machine's): thumbnails through swscale, no contact sheet (contact_sheet.cpp draws
// it with OpenCV's imgproc).
#include <algorithm>
#include <cmath>
#include <new>

#include "cords/core/error.h"
#include "cords/decode/av_handles.h"
#include "cords/output/writers.h"

namespace cords::output {

// Without OpenCV: thumbnails through swscale's area filter; no contact sheet (it needs imgproc's text drawing).
Image thumbnail(const Image& img, int max_width) {
  if (img.empty() || img.width <= max_width) return img;
  Image out;
  out.width = max_width;
  out.height = std::max(1, static_cast<int>(std::lround(1.0 * img.height * max_width / img.width)));
  out.data.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  av::Sws sws(sws_getContext(img.width, img.height, AV_PIX_FMT_RGB24, out.width, out.height, AV_PIX_FMT_RGB24, SWS_AREA,
                             nullptr, nullptr, nullptr));
  if (!sws) throw std::bad_alloc();
  const std::uint8_t* src[4] = {img.data.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {img.width * 3, 0, 0, 0};
  std::uint8_t* dst[4] = {out.data.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {out.width * 3, 0, 0, 0};
  sws_scale(sws.get(), src, src_stride, 0, img.height, dst, dst_stride);
  return out;
}

bool contact_sheet_available() {
  return false;
}

Image make_contact_sheet(const std::vector<SheetTile>&, const SheetOptions&) {
  throw Error(ErrorKind::Internal, "this build of cords-summarize has no OpenCV: it cannot draw contact sheets");
}

}  // namespace cords::output
