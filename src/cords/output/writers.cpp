#include "cords/output/writers.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"

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

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

}  // namespace

void write_image(const std::string& path, const Image& img, int jpeg_quality) {
  const std::string ext = lower_ext(path);
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  else if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, jpeg_quality};
  else if (ext != ".png") throw invalid_argument("cannot write '" + path + "': image extension must be .jpg, .png or .webp");
  std::vector<std::uint8_t> bytes;
  try {
    if (!cv::imencode(ext, to_bgr(img), bytes, params)) throw output_unwritable("cannot encode '" + path + "'");
  } catch (const cv::Exception& e) {
    throw output_unwritable("cannot encode '" + path + "': " + e.what());
  }
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

Image make_contact_sheet(const std::vector<SheetTile>& tiles, const SheetOptions& o) {
  const int n = static_cast<int>(tiles.size());
  const int cols = o.columns > 0 ? o.columns : std::max(1, static_cast<int>(std::ceil(std::sqrt(n * 1.0))));
  const int rows = std::max(1, (n + cols - 1) / cols);
  const int tw = std::max(32, o.tile_width);
  int th = tw * 9 / 16;
  if (n > 0 && !tiles[0].image->empty()) th = std::max(16, tw * tiles[0].image->height / tiles[0].image->width);
  const int pad = 8, caption_h = 22, line_h = 24;
  const int width = pad + cols * (tw + pad);
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  // Header lines wider than the sheet are wrapped at their "  |  " separators.
  struct Line {
    std::string text;
    bool title;
  };
  std::vector<Line> lines;
  for (std::size_t l = 0; l < o.header.size(); ++l) {
    const double scale = l == 0 ? 0.65 : 0.5;
    auto fits = [&](const std::string& t) { return cv::getTextSize(t, font, scale, 1, nullptr).width <= width - 2 * pad; };
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
    cv::putText(sheet, lines[l].text, {pad, pad + line_h * static_cast<int>(l + 1) - 6}, font, lines[l].title ? 0.65 : 0.5,
                lines[l].title ? cv::Scalar(255, 255, 255) : cv::Scalar(200, 200, 200), 1, cv::LINE_AA);
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

struct ClipWriter::Impl {
  cv::VideoWriter writer;
  std::string path, temp;
  cv::Size size;
  bool closed = false;
};

ClipWriter::ClipWriter(const std::string& path, double fps, int width, int height) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  const std::filesystem::path p(path);
  impl_->temp = (p.parent_path() / ("." + p.stem().string() + ".tmp-" + std::to_string(::getpid()) + p.extension().string())).string();
  impl_->size = {width - width % 2, height - height % 2};  // encoders want even sizes
  for (const auto& [fourcc, name] : {std::pair{cv::VideoWriter::fourcc('a', 'v', 'c', '1'), "h264"},
                                     std::pair{cv::VideoWriter::fourcc('m', 'p', '4', 'v'), "mpeg4"}}) {
    try {
      if (impl_->writer.open(impl_->temp, cv::CAP_FFMPEG, fourcc, fps, impl_->size, true)) {
        codec_ = name;
        return;
      }
    } catch (const cv::Exception&) {
    }
  }
  std::remove(impl_->temp.c_str());
  throw output_unwritable("cannot write the summary clip '" + path + "': no H.264 or MPEG-4 encoder, or the directory is not writable");
}

ClipWriter::~ClipWriter() {
  if (!impl_->closed) {
    impl_->writer.release();
    std::remove(impl_->temp.c_str());
  }
}

void ClipWriter::write(const Image& frame) {
  cv::Mat bgr = to_bgr(frame);
  if (bgr.cols != impl_->size.width || bgr.rows != impl_->size.height) cv::resize(bgr, bgr, impl_->size, 0, 0, cv::INTER_AREA);
  impl_->writer.write(bgr);
  ++frames_;
}

void ClipWriter::close() {
  impl_->writer.release();
  impl_->closed = true;
  std::error_code ec;
  if (!std::filesystem::exists(impl_->temp, ec) || std::filesystem::file_size(impl_->temp, ec) == 0)
    throw output_unwritable("cannot write the summary clip '" + impl_->path + "': the encoder produced nothing");
  if (std::rename(impl_->temp.c_str(), impl_->path.c_str()) != 0) {
    std::remove(impl_->temp.c_str());
    throw output_unwritable("cannot write the summary clip '" + impl_->path + "': rename failed");
  }
}

}  // namespace cords::output
