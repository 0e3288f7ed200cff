#include "cords/train/models.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <filesystem>

#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/core/text.h"

namespace cords::train {
namespace nn = torch::nn;

at::Tensor Classifier::dropout(const at::Tensor& x, double p) {
  if (!is_training() || p <= 0) return x;
  if (!x.is_cpu()) return torch::dropout(x, p, true);  // on a GPU the native kernel is the fast one
  const std::uint64_t call = dropout_calls_++;
  at::Tensor mask = at::empty_like(x, x.options().dtype(at::kFloat).device(at::kCPU));
  float* m = mask.data_ptr<float>();
  const auto keep_below = static_cast<std::uint64_t>((1.0 - p) * 4294967296.0);
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  constexpr std::int64_t kGrain = 1 << 15;
  at::parallel_for(0, (mask.numel() + kGrain - 1) / kGrain, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      Rng rng(dropout_seed_ ^ (call * 0x9e3779b97f4a7c15ULL) ^ (static_cast<std::uint64_t>(c) * 0xbf58476d1ce4e5b9ULL));
      const std::int64_t end = std::min(mask.numel(), (c + 1) * kGrain);
      for (std::int64_t i = c * kGrain; i < end; i += 2) {
        const std::uint64_t r = rng.next();
        m[i] = (r & 0xffffffffULL) < keep_below ? scale : 0.0f;
        if (i + 1 < end) m[i + 1] = (r >> 32) < keep_below ? scale : 0.0f;
      }
    }
  });
  return x * mask.to(x.device(), x.scalar_type());
}

namespace {

// CORDS' MnistNet: conv 3x3 (C->32), ReLU, conv 3x3 (32->64), ReLU, max-pool 2, dropout 0.25, fc 128, ReLU,
// dropout 0.5, fc classes. Works for any H, W >= 6.
class MnistNet final : public Classifier {
 public:
  MnistNet(std::int64_t c, std::int64_t h, std::int64_t w, int classes)
      : conv1(register_module("conv1", nn::Conv2d(nn::Conv2dOptions(c, 32, 3)))),
        conv2(register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 3)))),
        fc1(register_module("fc1", nn::Linear(64 * ((h - 4) / 2) * ((w - 4) / 2), 128))) {
    head = register_module("fc2", nn::Linear(128, classes));
  }
  at::Tensor embed(const at::Tensor& x) override {
    // max-pool before the second ReLU: the same function (ReLU is monotone, so it commutes with max) and the same
    // gradients, on a quarter of the elements.
    at::Tensor t = torch::relu(torch::max_pool2d(conv2->forward(torch::relu(conv1->forward(x))), 2));
    t = dropout(t, 0.25).flatten(1);
    return dropout(torch::relu(fc1->forward(t)), 0.5);
  }

 private:
  nn::Conv2d conv1, conv2;
  nn::Linear fc1;
};

nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

class BasicBlock final : public nn::Module {
 public:
  BasicBlock(std::int64_t in, std::int64_t out, std::int64_t stride)
      : conv1(register_module("conv1", conv3x3(in, out, stride))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", conv3x3(out, out, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut = register_module(
          "shortcut",
          nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)), nn::BatchNorm2d(out)));
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor y = bn2->forward(conv2->forward(torch::relu(bn1->forward(conv1->forward(x)))));
    return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
  }

 private:
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential shortcut{nullptr};
};

// ResNet-18 with the CIFAR stem CORDS uses (3x3 stride-1 conv, no max-pool), global average pooling, 512-d.
class ResNet18 final : public Classifier {
 public:
  ResNet18(std::int64_t c, int classes)
      : conv1(register_module("conv1", conv3x3(c, 64, 1))), bn1(register_module("bn1", nn::BatchNorm2d(64))) {
    std::int64_t in = 64;
    const std::int64_t widths[] = {64, 128, 256, 512};
    for (int l = 0; l < 4; ++l) {
      for (int b = 0; b < 2; ++b) {
        const std::int64_t stride = (l > 0 && b == 0) ? 2 : 1;
        blocks.push_back(register_module("layer" + std::to_string(l + 1) + "_" + std::to_string(b),
                                         std::make_shared<BasicBlock>(in, widths[l], stride)));
        in = widths[l];
      }
    }
    head = register_module("fc", nn::Linear(512, classes));
  }
  at::Tensor embed(const at::Tensor& x) override {
    at::Tensor t = torch::relu(bn1->forward(conv1->forward(x)));
    for (auto& b : blocks) t = b->forward(t);
    return torch::adaptive_avg_pool2d(t, {1, 1}).flatten(1);
  }

 private:
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  std::vector<std::shared_ptr<BasicBlock>> blocks;
};

class Mlp final : public Classifier {
 public:
  Mlp(std::int64_t in, int classes, std::int64_t hidden) : fc1(register_module("fc1", nn::Linear(in, hidden))) {
    head = register_module("fc2", nn::Linear(hidden, classes));
  }
  at::Tensor embed(const at::Tensor& x) override { return torch::relu(fc1->forward(x.flatten(1))); }

 private:
  nn::Linear fc1;
};

class LinearModel final : public Classifier {
 public:
  LinearModel(std::int64_t in, int classes) { head = register_module("fc", nn::Linear(in, classes)); }
  at::Tensor embed(const at::Tensor& x) override { return x.flatten(1); }
};

std::int64_t numel(const std::vector<std::int64_t>& s) {
  std::int64_t n = 1;
  for (auto v : s) n *= v;
  return n;
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mnistnet", "resnet18", "mlp", "linear"};
  return names;
}

std::string default_model(const std::string& dataset, const std::vector<std::int64_t>& shape) {
  if (shape.size() != 3) return "mlp";
  if (dataset == "mnist" || dataset == "fashion-mnist" || (shape[0] == 1 && shape[1] <= 32)) return "mnistnet";
  return "resnet18";
}

namespace {

// A user's TorchScript model (train --model FILE.pt). Contract (docs/training.md): a scripted module with a method
// `embed(x)` giving the N x E penultimate embedding and a submodule `head`, a Linear(E, classes); forward(x) is
// head(embed(x)). Its parameters are this module's (the same tensors: training updates the script module), so the
// trainer, the optimizer and the gradient strategies treat it as any built-in model.
class ScriptedClassifier final : public Classifier {
 public:
  ScriptedClassifier(const std::string& path, const std::vector<std::int64_t>& s, int classes) {
    const auto unusable = [&](const std::string& why) {
      return Error(ErrorKind::ModelUnusable, param("model") + " '" + path + "': " + why);
    };
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw unusable("no such file");
    try {
      module_ = torch::jit::load(path, torch::kCPU);
    } catch (const std::exception& e) {
      throw unusable("not a TorchScript file (" + first_line(e.what()) + ")");
    }
    if (!module_.find_method("embed"))
      throw unusable("it has no method embed(x) (the penultimate embedding; docs/training.md)");
    torch::jit::Module h;
    bool have_head = false;
    for (const auto& child : module_.named_children())
      if (child.name == "head") {
        h = child.value;
        have_head = true;
      }
    if (!have_head || !h.hasattr("weight") || !h.attr("weight").isTensor())
      throw unusable("it has no submodule head with a weight (a Linear(E, classes); docs/training.md)");
    const at::Tensor w = h.attr("weight").toTensor();
    if (w.dim() != 2 || w.size(0) != classes)
      throw unusable("its head has " + (w.dim() == 2 ? std::to_string(w.size(0)) : std::string("no")) +
                     " outputs for " + std::to_string(classes) + " classes");
    head = register_module(
        "head",
        torch::nn::Linear(
            torch::nn::LinearOptions(w.size(1), w.size(0)).bias(h.hasattr("bias") && h.attr("bias").isTensor())));
    // The head's own tensors become the script module's, so both see every update.
    head->weight.set_data(w);
    if (head->options.bias()) head->bias.set_data(h.attr("bias").toTensor());
    int i = 0;
    for (const auto& p : module_.named_parameters(true))
      if (p.name.rfind("head.", 0) != 0)
        register_parameter("p" + std::to_string(i++), p.value, p.value.requires_grad());
    for (at::Tensor p : module_.parameters()) p.set_requires_grad(true);
    std::vector<std::int64_t> probe{2};
    probe.insert(probe.end(), s.begin(), s.end());
    try {
      const at::Tensor e = embed(torch::zeros(probe));
      if (e.dim() != 2 || e.size(1) != w.size(1))
        throw unusable("embed(x) gives " + std::to_string(e.dim()) + "-d output" +
                       (e.dim() == 2 ? " of width " + std::to_string(e.size(1)) : "") + ", its head takes " +
                       std::to_string(w.size(1)));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw unusable("embed(x) fails on a batch of this data's examples (" + first_line(e.what()) + ")");
    }
  }
  at::Tensor embed(const at::Tensor& x) override { return module_.run_method("embed", x).toTensor(); }
  void train(bool on = true) override {
    Classifier::train(on);
    module_.train(on);
  }
  void to(torch::Device device, bool non_blocking = false) override {
    module_.to(device, non_blocking);
    Classifier::to(device, non_blocking);
  }
  std::vector<at::Tensor> state_tensors() override {
    std::vector<at::Tensor> t = Classifier::state_tensors();
    for (const auto& b : module_.named_buffers(true)) t.push_back(b.value);
    return t;
  }

 private:
  torch::jit::Module module_;
};

}  // namespace

bool is_model_file(const std::string& name) {
  return name.size() > 3 && (name.compare(name.size() - 3, 3, ".pt") == 0 || name.find('/') != std::string::npos);
}

std::shared_ptr<Classifier> make_model(const std::string& name, const std::vector<std::int64_t>& s, int classes) {
  if (classes < 2) throw invalid_argument("a classifier needs at least 2 classes");
  if (is_model_file(name)) return std::make_shared<ScriptedClassifier>(name, s, classes);
  if (name == "mnistnet" || name == "resnet18") {
    if (s.size() != 3)
      throw invalid_argument(param("model", name) + " needs images (C x H x W); this data has " +
                             std::to_string(s.size()) + "-d examples (use mlp or linear)");
    if (name == "mnistnet") {
      if (s[1] < 6 || s[2] < 6) throw invalid_argument(param("model", "mnistnet") + " needs images of at least 6 x 6");
      return std::make_shared<MnistNet>(s[0], s[1], s[2], classes);
    }
    return std::make_shared<ResNet18>(s[0], classes);
  }
  if (name == "mlp") return std::make_shared<Mlp>(numel(s), classes, 256);
  if (name == "linear") return std::make_shared<LinearModel>(numel(s), classes);
  throw invalid_argument("unknown model '" + name + "'; valid: " + name_list(model_names()));
}

}  // namespace cords::train
