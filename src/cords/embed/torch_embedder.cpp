#include "cords/embed/torch_embedder.h"

#include <torch/cuda.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cords/core/error.h"

namespace cords::embed {
namespace {

Error model_error(const std::string& path, const std::string& why) {
  return Error(ErrorKind::ModelUnusable, "cannot use model '" + path + "': " + why);
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// The line of a (TorchScript) error that says what went wrong: the last one naming an error, else the first.
std::string reason(const std::string& what) {
  std::string best = first_line(what), line;
  std::istringstream in(what);
  while (std::getline(in, line))
    if (line.find("Error: ") != std::string::npos) best = line.substr(line.find_first_not_of(' '));
  return best;
}

c10::Device pick_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
  try {
    c10::Device d(name);
    if (d.is_cuda() && !torch::cuda::is_available())
      throw invalid_argument("--device " + name + " requested but no CUDA device is available (use auto or cpu)");
    if (!d.is_cuda() && !d.is_cpu()) throw invalid_argument("unsupported --device '" + name + "'; valid: auto, cpu, cuda, cuda:N");
    return d;
  } catch (const c10::Error&) {
    throw invalid_argument("unknown --device '" + name + "'; valid: auto, cpu, cuda, cuda:N");
  }
}

class TorchEmbedder final : public Embedder {
 public:
  explicit TorchEmbedder(const TorchEmbedderOptions& o) : opts_(o), spec_(read_cnn_spec(o.model_path)), device_(pick_device(o.device)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(o.model_path, ec)) throw model_error(o.model_path, "no such file");
    try {
      module_ = torch::jit::load(o.model_path, device_);
    } catch (const c10::Error& e) {
      throw model_error(o.model_path, "not a TorchScript file (" + first_line(e.what()) + ")");
    } catch (const std::exception& e) {
      throw model_error(o.model_path, std::string("cannot load it (") + first_line(e.what()) + ")");
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
  int input_height() const override { return std::max(spec_.input_size, 256); }  // keep detail for the crop

  void embed(const std::vector<const Image*>& images, float* out) override {
    const std::size_t b = static_cast<std::size_t>(std::max(1, opts_.batch));
    for (std::size_t i0 = 0; i0 < images.size(); i0 += b) {
      const std::size_t n = std::min(b, images.size() - i0);
      std::vector<torch::Tensor> items;
      for (std::size_t t = 0; t < n; ++t) items.push_back(preprocess(*images[i0 + t]));
      const torch::Tensor feats = forward(torch::stack(items)).to(torch::kCPU, torch::kFloat).contiguous();
      std::memcpy(out + i0 * static_cast<std::size_t>(dim_), feats.data_ptr<float>(), n * static_cast<std::size_t>(dim_) * sizeof(float));
    }
  }

 private:
  // 3 x S x S float, normalised as the spec says.
  torch::Tensor preprocess(const Image& img) const {
    torch::Tensor x = torch::from_blob(const_cast<std::uint8_t*>(img.data.data()), {img.height, img.width, 3}, torch::kUInt8)
                          .permute({2, 0, 1}).to(torch::kFloat);
    if (spec_.center_crop) {
      const int side = std::min(img.width, img.height);
      x = x.narrow(1, (img.height - side) / 2, side).narrow(2, (img.width - side) / 2, side);
    }
    const int s = spec_.input_size;
    x = at::upsample_bilinear2d(x.unsqueeze(0), {s, s}, spec_.align_corners).squeeze(0);
    const auto mean = torch::tensor({spec_.mean[0], spec_.mean[1], spec_.mean[2]}, torch::kFloat).view({3, 1, 1});
    const auto stdv = torch::tensor({spec_.std[0], spec_.std[1], spec_.std[2]}, torch::kFloat).view({3, 1, 1});
    return (x / static_cast<float>(spec_.scale) - mean) / stdv;
  }

  // N x 3 x S x S (CPU float) -> N x D L2-normalised features on the CPU device's dtype.
  torch::Tensor forward(torch::Tensor batch) {
    c10::InferenceMode guard;
    batch = batch.to(device_, half_ ? torch::kHalf : torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast);
    const torch::jit::IValue y = module_.forward({batch});
    if (!y.isTensor()) throw model_error(opts_.model_path, "its output is not a tensor (expected N x D or N x C x H x W)");
    torch::Tensor f = y.toTensor().to(torch::kFloat);
    if (f.dim() == 4) f = f.mean({2, 3});  // a feature map: global average pooling
    if (f.dim() != 2 || f.size(0) != batch.size(0))
      throw model_error(opts_.model_path, "its output has shape " + c10::str(f.sizes()) + " (expected N x D or N x C x H x W)");
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

std::unique_ptr<Embedder> torch_embedder(const TorchEmbedderOptions& opts) { return std::make_unique<TorchEmbedder>(opts); }

}  // namespace cords::embed
