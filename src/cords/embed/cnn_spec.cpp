// A CNN's preprocessing spec (<model>.json), read without LibTorch: the executable needs it to know the frame size
// while the plugin loads the model (plugin/embedder_factory.cpp), the plugin to preprocess.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/embed/torch_embedder.h"

namespace cords::embed {

CnnSpec read_cnn_spec(const std::string& model_path) {
  CnnSpec s;
  const std::string path = model_path + ".json";
  std::ifstream in(path);
  if (!in) return s;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    s.name = j.value("name", s.name);
    s.input_size = j.value("input_size", s.input_size);
    s.center_crop = j.value("resize", std::string("center-crop")) != "stretch";
    s.scale = j.value("scale", s.scale);
    s.align_corners = j.value("align_corners", s.align_corners);
    if (j.contains("mean")) s.mean = j.at("mean").get<std::array<double, 3>>();
    if (j.contains("std")) s.std = j.at("std").get<std::array<double, 3>>();
  } catch (const std::exception& e) {
    throw Error(ErrorKind::ModelUnusable, "malformed model spec '" + path + "': " + first_line(e.what()));
  }
  if (s.input_size < 8 || s.input_size > 4096 || !(s.scale > 0) || !(s.std[0] > 0 && s.std[1] > 0 && s.std[2] > 0))
    throw Error(ErrorKind::ModelUnusable, "model spec '" + path + "' has an invalid input_size, scale or std");
  return s;
}

int cnn_frame_height(int input_size) {
  return std::max(input_size, 256);  // keep detail for the crop
}

}  // namespace cords::embed
