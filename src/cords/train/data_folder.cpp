// The image-folder reader (OpenCV). Built only with OpenCV; data_folder_none.cpp stands in otherwise.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cords/core/error.h"
#include "cords/train/data.h"

namespace cords::train {
namespace fs = std::filesystem;

TensorData read_image_folder(const std::string& dir, int size) {
  if (size < 8 || size > 1024) throw invalid_argument(param("image_size") + " must be in [8, 1024]");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ErrorKind::InputUnreadable, "cannot read '" + dir + "': not a folder");
  TensorData d;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && e.path().filename().string()[0] != '.')
      d.class_names.push_back(e.path().filename().string());
  std::sort(d.class_names.begin(), d.class_names.end());
  if (d.class_names.size() < 2)
    throw Error(ErrorKind::InvalidArgument,
                "'" + dir + "' needs one sub-folder per class (found " + std::to_string(d.class_names.size()) + ")");
  static const std::vector<std::string> exts = {".png", ".jpg",  ".jpeg", ".bmp", ".webp",
                                                ".tif", ".tiff", ".ppm",  ".pgm"};
  std::vector<std::pair<std::string, std::int64_t>> files;
  for (std::size_t c = 0; c < d.class_names.size(); ++c) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir + "/" + d.class_names[c], ec)) {
      std::string ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (e.is_regular_file() && std::find(exts.begin(), exts.end(), ext) != exts.end())
        names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    for (auto& n : names) files.emplace_back(n, static_cast<std::int64_t>(c));
  }
  if (files.empty()) throw Error(ErrorKind::InvalidArgument, "'" + dir + "' has no images in its class folders");
  const auto n = static_cast<std::int64_t>(files.size());
  at::Tensor x = at::empty({n, size, size, 3}, at::kByte);
  std::vector<std::int64_t> y;
  for (std::int64_t i = 0; i < n; ++i) {
    cv::Mat img;
    try {  // (OpenCV refuses images beyond its pixel limit with an exception: e.g. a PNG declaring 100000x100000)
      img = cv::imread(files[static_cast<std::size_t>(i)].first, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
      img.release();
    }
    if (img.empty())
      throw Error(ErrorKind::InputUnreadable,
                  "cannot read '" + files[static_cast<std::size_t>(i)].first + "': not a decodable image");
    cv::Mat rgb, resized;
    cv::cvtColor(img, rgb, cv::COLOR_BGR2RGB);
    cv::resize(rgb, resized, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    std::memcpy(x.data_ptr<std::uint8_t>() + i * size * size * 3, resized.data,
                static_cast<std::size_t>(size) * static_cast<std::size_t>(size) * 3);
    y.push_back(files[static_cast<std::size_t>(i)].second);
  }
  d.x = x.permute({0, 3, 1, 2}).to(at::kFloat).div_(255.0).contiguous();
  d.y = at::tensor(y, at::kLong);
  d.classes = static_cast<int>(d.class_names.size());
  return d;
}

}  // namespace cords::train
