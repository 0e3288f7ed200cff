#pragma once
// Classifiers for `cords-summarize train`. Each exposes its logits and its penultimate embedding (the input of the
// final linear layer, `head`), which is what the gradient-based strategies need (CORDS' forward(x, last=True)).
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace cords::train {

class Classifier : public torch::nn::Module {
 public:
  /// The penultimate embedding, N x embedding_dim().
  virtual at::Tensor embed(const at::Tensor& x) = 0;
  at::Tensor forward(const at::Tensor& x) { return head->forward(embed(x)); }
  std::int64_t embedding_dim() const { return head->options.in_features(); }
  std::int64_t classes() const { return head->options.out_features(); }
  torch::nn::Linear head{nullptr};
  /// Seeds this model's dropout masks (a counter makes every mask different; same seed, same masks).
  void seed_dropout(std::uint64_t seed) {
    dropout_seed_ = seed;
    dropout_calls_ = 0;
  }
  /// Masks drawn so far (a checkpoint saves it; restoring it continues the same masks).
  std::uint64_t dropout_calls() const { return dropout_calls_; }
  void set_dropout_calls(std::uint64_t n) { dropout_calls_ = n; }
  /// Every tensor that makes up the model's state, in a fixed order: parameters, then buffers (batch-norm
  /// statistics), including those a TorchScript model keeps to itself.
  virtual std::vector<at::Tensor> state_tensors() {
    std::vector<at::Tensor> t = parameters(true);
    for (auto& b : buffers(true)) t.push_back(b);
    return t;
  }

 protected:
  /// Inverted dropout with p = drop probability, its mask drawn by xoshiro256** in parallel chunks (several times
  /// faster than ATen's bernoulli_ on CPU builds without MKL); the same distribution as torch::dropout.
  at::Tensor dropout(const at::Tensor& x, double p);

 private:
  std::uint64_t dropout_seed_ = 0x5eed, dropout_calls_ = 0;
};

/// Valid --model names: mnistnet (CORDS' MnistNet: 2 conv, max-pool, dropout, 128-d embedding), resnet18 (CIFAR
/// stem: 3x3 conv, no max-pool; 512-d), mlp (one hidden layer of 256 with ReLU), linear (logistic regression).
const std::vector<std::string>& model_names();

/// The default model for a dataset kind (CORDS' configs: MnistNet for MNIST-like data, ResNet-18 for images,
/// an MLP for features).
std::string default_model(const std::string& dataset, const std::vector<std::int64_t>& example_shape);

/// Whether --model names a TorchScript file (ends in .pt or holds a '/') rather than a built-in model.
bool is_model_file(const std::string& name);

/// Builds a model for examples of `example_shape` (C x H x W, or D) and `classes` outputs, with weights from the
/// current torch seed; or loads a user's TorchScript model (is_model_file: a module with embed(x) and a Linear
/// `head`, docs/training.md). Throws Error{InvalidArgument} for an unknown name or a shape the model cannot take,
/// Error{ModelUnusable} for a file that is not such a module.
std::shared_ptr<Classifier> make_model(const std::string& name, const std::vector<std::int64_t>& example_shape,
                                       int classes);

}  // namespace cords::train
