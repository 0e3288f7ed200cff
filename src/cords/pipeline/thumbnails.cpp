#include "cords/pipeline/thumbnails.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "cords/core/atomic_file.h"
#include "cords/output/writers.h"

namespace cords::pipeline {

std::string sprite_name(std::size_t sprite) {
  return sprite == 0 ? "thumbnails.jpg" : "thumbnails-" + std::to_string(sprite + 1) + ".jpg";
}

namespace {
constexpr std::size_t kPerSprite = static_cast<std::size_t>(kSpriteColumns) * kSpriteRows;
}  // namespace

SpriteTile sprite_tile(const std::vector<Thumb>& thumbs, std::size_t i) {
  const std::size_t k = i % kPerSprite;
  const int w = thumbs[i].image.width, h = thumbs[i].image.height;
  return {sprite_name(i / kPerSprite), static_cast<int>(k % kSpriteColumns) * w,
          static_cast<int>(k / kSpriteColumns) * h, w, h};
}

std::string thumbnails_vtt(const std::vector<Thumb>& thumbs, double duration) {
  std::string out = "WEBVTT\n";
  for (std::size_t i = 0; i < thumbs.size(); ++i) {
    const double from = thumbs[i].seconds;
    double to = i + 1 < thumbs.size() ? thumbs[i + 1].seconds : duration;
    if (!(to > from))
      to = from + (i > 0 ? from - thumbs[i - 1].seconds : 1.0);  // (the duration unknown, or within the last)
    const SpriteTile tile = sprite_tile(thumbs, i);
    out += "\n" + timecode(from) + " --> " + timecode(to) + "\n" + tile.sprite + "#xywh=" + std::to_string(tile.x) +
           "," + std::to_string(tile.y) + "," + std::to_string(tile.w) + "," + std::to_string(tile.h) + "\n";
  }
  return out;
}

void write_seek_thumbnails(SummaryResult& res, const std::string& dir) {
  const auto& thumbs = res.thumbnails;
  if (thumbs.empty() || thumbs.front().image.empty()) return;
  const std::filesystem::path d(dir);
  const int w = thumbs.front().image.width, h = thumbs.front().image.height;
  std::vector<std::string> files{"thumbnails.vtt"};
  for (std::size_t first = 0; first < thumbs.size(); first += kPerSprite) {
    const std::size_t n = std::min(kPerSprite, thumbs.size() - first);
    Image sprite;
    sprite.width = w * static_cast<int>(std::min<std::size_t>(n, kSpriteColumns));
    sprite.height = h * static_cast<int>((n + kSpriteColumns - 1) / kSpriteColumns);
    sprite.data.assign(static_cast<std::size_t>(sprite.width) * sprite.height * 3, 0);
    for (std::size_t k = 0; k < n; ++k) {
      const Image& t = thumbs[first + k].image;
      const SpriteTile tile = sprite_tile(thumbs, first + k);
      for (int y = 0; y < std::min(h, t.height); ++y)
        std::memcpy(sprite.data.data() + (static_cast<std::size_t>(tile.y + y) * sprite.width + tile.x) * 3,
                    t.pixel(0, y), static_cast<std::size_t>(std::min(w, t.width)) * 3);
    }
    const std::string name = sprite_name(first / kPerSprite);
    output::write_image((d / name).string(), sprite, 80);
    files.push_back(name);
  }
  write_file_atomic((d / "thumbnails.vtt").string(), thumbnails_vtt(thumbs, res.info.duration));
  res.thumbnail_files = std::move(files);
}

}  // namespace cords::pipeline
