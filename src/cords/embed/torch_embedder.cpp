#include "cords/embed/torch_embedder.h"

#include <torch/cuda.h>
#include <torch/script.h>

#include <filesystem>
#include <sstream>

#include "cords/accel/torch_functions.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/embed/torch_autocast.h"

namespace cords::embed {
namespace {

Error model_error(const std::string& path, const std::string& why) {
  return Error(ErrorKind::ModelUnusable, "cannot use model '" + path + "': " + why);
}

// The line of a (TorchScript) error that says what went wrong: the last one naming an error, else the first.
std::string reason(const std::string& what) {
  std::string best = first_line(what), line;
  std::istringstream in(what);
  while (std::getline(in, line))
    if (line.find("Error: ") != std::string::npos) best = line.substr(line.find_first_not_of(' '));
  return best;
}

class TorchEmbedder final : public Embedder {
 public:
  explicit TorchEmbedder(const TorchEmbedderOptions& o)
      : opts_(o), spec_(read_cnn_spec(o.model_path)), device_(accel::resolve_device(o.device)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(o.model_path, ec))
      throw model_error(o.model_path, "it is a directory, not a TorchScript file");
    if (!fs::is_regular_file(o.model_path, ec)) throw model_error(o.model_path, "no such file");
    try {
      module_ = torch::jit::load(o.model_path, device_);
    } catch (const c10::Error& e) {
      throw model_error(o.model_path, "not a TorchScript file (" + first_line(e.what()) + ")");
    } catch (const std::exception& e) {
      throw model_error(o.model_path, std::string("cannot load it (") + first_line(e.what()) + ")");
    }
    if (o.input_size > 0) {
      if (o.input_size < 8 || o.input_size > 4096) throw invalid_argument("the CNN input size must be in [8, 4096]");
      spec_.input_size = o.input_size;
    }
    module_.eval();
    half_ = device_.is_cuda();
    if (half_) module_.to(torch::kHalf);
    // Probe: the output dimension, and a clear message for a model that does not take images.
    try {
      const int s = spec_.input_size;
      dim_ = static_cast<int>(forward(torch::zeros({2, 3, s, s})).size(1));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw model_error(o.model_path, "it does not map a N x 3 x " + std::to_string(spec_.input_size) + " x " +
                                          std::to_string(spec_.input_size) + " float RGB batch to N x D features (" +
                                          reason(e.what()) + ")");
    }
  }

  std::string name() const override { return "cnn:" + spec_.name; }
  int dim() const override { return dim_; }
  int input_width() const override { return 0; }
  int input_height() const override { return cnn_frame_height(spec_.input_size); }

  void embed(const std::vector<const Image*>& images, float* out) override {
    c10::InferenceMode guard;
    const std::size_t b = static_cast<std::size_t>(std::max(1, opts_.batch));
    for (std::size_t i0 = 0; i0 < images.size(); i0 += b) {
      const std::size_t n = std::min(b, images.size() - i0);
      const torch::Tensor feats = forward(preprocess(images, i0, n)).to(torch::kCPU, torch::kFloat).contiguous();
      std::memcpy(out + i0 * static_cast<std::size_t>(dim_), feats.data_ptr<float>(),
                  n * static_cast<std::size_t>(dim_) * sizeof(float));
    }
  }

 private:
  // images[i0, i0+n) -> n x 3 x S x S on the model's device, normalised as the spec says. The uint8 frames are
  // uploaded as they are and cropped, resized and normalised there (one batch when they share a size).
  torch::Tensor preprocess(const std::vector<const Image*>& images, std::size_t i0, std::size_t n) const {
    const int s = spec_.input_size;
    const auto mean =
        torch::tensor({spec_.mean[0], spec_.mean[1], spec_.mean[2]}, torch::kFloat).view({1, 3, 1, 1}).to(device_);
    const auto stdv =
        torch::tensor({spec_.std[0], spec_.std[1], spec_.std[2]}, torch::kFloat).view({1, 3, 1, 1}).to(device_);
    std::vector<torch::Tensor> parts;
    std::size_t t = 0;
    while (t < n) {  // runs of frames of one size
      const Image& first = *images[i0 + t];
      std::size_t u = t + 1;
      while (u < n && images[i0 + u]->width == first.width && images[i0 + u]->height == first.height) ++u;
      const int w = first.width, h = first.height;
      torch::Tensor raw = torch::empty({static_cast<long>(u - t), h, w, 3}, torch::kUInt8);
      for (std::size_t k = t; k < u; ++k)
        std::memcpy(raw[static_cast<long>(k - t)].data_ptr<std::uint8_t>(), images[i0 + k]->data.data(),
                    images[i0 + k]->data.size());
      torch::Tensor x =
          raw.to(device_).permute({0, 3, 1, 2}).to(torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast);
      if (spec_.center_crop) {
        const int side = std::min(w, h);
        x = x.narrow(2, (h - side) / 2, side).narrow(3, (w - side) / 2, side);
      }
      x = at::upsample_bilinear2d(x, {s, s}, spec_.align_corners);
      parts.push_back((x / static_cast<float>(spec_.scale) - mean) / stdv);
      t = u;
    }
    return parts.size() == 1 ? parts[0] : torch::cat(parts);
  }

  // N x 3 x S x S float (any device) -> N x D L2-normalised float features.
  torch::Tensor forward(torch::Tensor batch) {
    c10::InferenceMode guard;
    const AutocastCuda autocast(half_);
    batch = batch.to(device_, half_ ? torch::kHalf : torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast);
    const torch::jit::IValue y = module_.forward({batch});
    if (!y.isTensor())
      throw model_error(opts_.model_path, "its output is not a tensor (expected N x D or N x C x H x W)");
    torch::Tensor f = y.toTensor().to(torch::kFloat);
    if (f.dim() == 4) f = f.mean({2, 3});  // a feature map: global average pooling
    if (f.dim() != 2 || f.size(0) != batch.size(0))
      throw model_error(opts_.model_path,
                        "its output has shape " + c10::str(f.sizes()) + " (expected N x D or N x C x H x W)");
    return f / f.norm(2, {1}, true).clamp_min(1e-12);
  }

  TorchEmbedderOptions opts_;
  CnnSpec spec_;
  c10::Device device_;
  torch::jit::Module module_;
  bool half_ = false;
  int dim_ = 0;
};

}  // namespace

std::unique_ptr<Embedder> torch_embedder(const TorchEmbedderOptions& opts) {
  return std::make_unique<TorchEmbedder>(opts);
}

}  // namespace cords::embed
