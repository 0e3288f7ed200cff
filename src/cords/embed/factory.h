#pragma once
// Embedders by name, for the summarizer and the CLI. Built from factory_torch.cpp when LibTorch is available,
// else from factory_plain.cpp (histogram only).
#include <memory>
#include <string>

#include "cords/embed/embedder.h"

namespace cords::embed {

struct EmbedderConfig {
  std::string features = "histogram";  ///< histogram | cnn
  std::string model;                   ///< TorchScript file for cnn
  std::string device = "auto";         ///< auto | cpu | cuda[:N]
};

/// Throws Error{InvalidArgument} for an unknown name, cnn without a model, or cnn in a build without LibTorch;
/// Error{ModelUnusable} for a bad model.
std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg);

/// "histogram, cnn" or "histogram".
std::string embedder_names();

}  // namespace cords::embed
