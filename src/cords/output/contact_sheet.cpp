// Thumbnails and the contact sheet, drawn with OpenCV's imgproc (contact_sheet_none.cpp: builds without OpenCV).
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "cords/output/writers.h"

namespace cords::output {
namespace {

cv::Mat to_bgr(const Image& img) {
  cv::Mat rgb(img.height, img.width, CV_8UC3, const_cast<std::uint8_t*>(img.data.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

Image from_bgr(const cv::Mat& bgr) {
  Image img;
  img.width = bgr.cols;
  img.height = bgr.rows;
  img.data.resize(static_cast<std::size_t>(bgr.cols) * bgr.rows * 3);
  cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, img.data.data());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return img;
}

}  // namespace

Image thumbnail(const Image& img, int max_width) {
  if (img.empty() || img.width <= max_width) return img;
  const int h = std::max(1, static_cast<int>(std::lround(1.0 * img.height * max_width / img.width)));
  cv::Mat small;
  cv::resize(to_bgr(img), small, {max_width, h}, 0, 0, cv::INTER_AREA);
  return from_bgr(small);
}

bool contact_sheet_available() {
  return true;
}
Image make_contact_sheet(const std::vector<SheetTile>& tiles, const SheetOptions& o) {
  const int n = static_cast<int>(tiles.size());
  const int cols = o.columns > 0 ? o.columns : std::max(1, static_cast<int>(std::ceil(std::sqrt(n * 1.0))));
  const int rows = std::max(1, (n + cols - 1) / cols);
  const int tw = std::max(32, o.tile_width);
  int th = tw * 9 / 16;
  if (n > 0 && !tiles[0].image->empty()) th = std::max(16, tw * tiles[0].image->height / tiles[0].image->width);
  const int pad = 8, caption_h = 22, line_h = 24;
  const int width = pad + std::max(cols, 2) * (tw + pad);  // at least two tiles wide, so the header reads well
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  // Header lines wider than the sheet are wrapped at their "  |  " separators.
  struct Line {
    std::string text;
    bool title;
  };
  std::vector<Line> lines;
  for (std::size_t l = 0; l < o.header.size(); ++l) {
    const double scale = l == 0 ? 0.65 : 0.5;
    auto fits = [&](const std::string& t) {
      return cv::getTextSize(t, font, scale, 1, nullptr).width <= width - 2 * pad;
    };
    std::string rest = o.header[l], cur;
    while (!rest.empty()) {
      const std::size_t cut = rest.find("  |  ");
      const std::string piece = rest.substr(0, cut);
      rest = cut == std::string::npos ? "" : rest.substr(cut + 5);
      const std::string joined = cur.empty() ? piece : cur + "  |  " + piece;
      if (cur.empty() || fits(joined)) {
        cur = joined;
      } else {
        lines.push_back({cur, l == 0});
        cur = piece;
      }
    }
    lines.push_back({cur, l == 0});
  }
  const int header_h = lines.empty() ? 0 : pad + line_h * static_cast<int>(lines.size());
  const int height = header_h + pad + rows * (th + caption_h + pad);
  cv::Mat sheet(height, width, CV_8UC3, cv::Scalar(30, 30, 30));
  for (std::size_t l = 0; l < lines.size(); ++l)
    cv::putText(sheet, lines[l].text, {pad, pad + line_h * static_cast<int>(l + 1) - 6}, font,
                lines[l].title ? 0.65 : 0.5, lines[l].title ? cv::Scalar(255, 255, 255) : cv::Scalar(200, 200, 200), 1,
                cv::LINE_AA);
  for (int t = 0; t < n; ++t) {
    const int x = pad + (t % cols) * (tw + pad), y = header_h + pad + (t / cols) * (th + caption_h + pad);
    cv::Mat tile;
    cv::resize(to_bgr(*tiles[static_cast<std::size_t>(t)].image), tile, {tw, th}, 0, 0, cv::INTER_AREA);
    tile.copyTo(sheet(cv::Rect(x, y, tw, th)));
    cv::putText(sheet, tiles[static_cast<std::size_t>(t)].caption, {x + 2, y + th + 16}, font, 0.5,
                cv::Scalar(230, 230, 230), 1, cv::LINE_AA);
  }
  return from_bgr(sheet);
}

}  // namespace cords::output
