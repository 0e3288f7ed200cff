#pragma once
// CNN frame embeddings through LibTorch: any TorchScript image model. The model's preprocessing is read from a
// JSON file beside it (`<model>.json`, docs/models.md); without one, torchvision's ImageNet convention is used.
// This header includes no torch header; the implementation lives in cords_embed_torch.
#include <array>
#include <memory>
#include <string>

#include "cords/embed/embedder.h"

namespace cords::embed {

/// How a model wants its input (RGB). Pixels become ((x / scale) - mean) / std per channel.
struct CnnSpec {
  std::string name = "torchscript";
  int input_size = 224;        ///< square input side
  bool center_crop = true;     ///< true: crop the central square, then resize; false: stretch
  bool align_corners = false;  ///< bilinear resize convention (TensorFlow.js models often use true)
  double scale = 255.0;
  std::array<double, 3> mean{0.485, 0.456, 0.406};
  std::array<double, 3> std{0.229, 0.224, 0.225};
};

/// Reads `<model_path>.json` when it exists, else returns the defaults. Throws Error{ModelUnusable} for a
/// malformed spec.
CnnSpec read_cnn_spec(const std::string& model_path);

/// The frame height a CNN of this input side wants from the decoder (the width follows the aspect ratio): at least
/// 256 lines, so that the centre crop keeps detail.
int cnn_frame_height(int input_size);

struct TorchEmbedderOptions {
  std::string model_path;
  std::string device = "auto";  ///< auto | cpu | cuda | cuda:N; CUDA runs in fp16
  int batch = 16;
  int input_size = 0;  ///< > 0: this input side instead of the spec's (a fully convolutional trunk takes
                       ///< any size; 28 x 28 images need no 224 x 224 input)
};

/// Loads the model and checks it on a dummy batch. Throws Error{ModelUnusable} (exit code 4) naming the file for
/// a missing or unreadable file, a file that is not TorchScript, or a model that does not map an N x 3 x S x S
/// float batch to N x D (or N x C x H x W, pooled) features; Error{InvalidArgument} for a bad device.
std::unique_ptr<Embedder> torch_embedder(const TorchEmbedderOptions& opts);

}  // namespace cords::embed
