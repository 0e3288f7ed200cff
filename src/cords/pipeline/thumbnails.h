#pragma once
// Seek-bar thumbnails (docs/formats.md): the thumbnails pass 1 kept, as sprite sheets and a WebVTT track whose cues
// point into them with #xywh=, the format web players (video.js, Plyr, JW Player) read.
#include <string>
#include <vector>

#include "cords/pipeline/summarizer.h"

namespace cords::pipeline {

/// Thumbnails per sprite sheet: kSpriteColumns across, up to kSpriteRows down.
constexpr int kSpriteColumns = 10;
constexpr int kSpriteRows = 10;

/// Where thumbnail i of `thumbs` lies: its sprite's name and its tile (each thumbnail's own size; all are alike).
struct SpriteTile {
  std::string sprite;
  int x = 0, y = 0, w = 0, h = 0;
};
SpriteTile sprite_tile(const std::vector<Thumb>& thumbs, std::size_t i);

/// The WebVTT text for `thumbs` laid out in sprites named by sprite_name(i): one cue per thumbnail, from its time to
/// the next one's (the last to `duration`, or one interval on).
std::string thumbnails_vtt(const std::vector<Thumb>& thumbs, double duration);
/// "thumbnails.jpg", "thumbnails-2.jpg", ...
std::string sprite_name(std::size_t sprite);

/// Writes thumbnails.vtt and the sprites into `dir`; fills res.thumbnail_files (nothing without thumbnails).
void write_seek_thumbnails(SummaryResult& res, const std::string& dir);

}  // namespace cords::pipeline
