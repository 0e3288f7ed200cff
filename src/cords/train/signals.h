#pragma once
// What the strategies select from, computed with the live model (docs/training.md): evaluation, the last-layer
// gradients of the train set, GLISTER's validation state and facloc-embed's embeddings. Each runs the model in
// evaluation mode without autograd (EvalScope) and returns CPU tensors.
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cords/train/data.h"
#include "cords/train/loop.h"
#include "cords/train/models.h"
#include "cords/train/strategies.h"
#include "cords/train/strategy_table.h"

namespace cords::train {

/// Runs `f(start, len)` over [0, n) in chunks of `chunk`.
template <class F>
void chunks(std::int64_t n, std::int64_t chunk, F f) {
  for (std::int64_t s = 0; s < n; s += chunk) f(s, std::min(chunk, n - s));
}

/// Evaluation mode without autograd for one scope (dropout off, batch norm on running statistics); training mode
/// again at its end, also when the scope is left by an exception.
class EvalScope {
 public:
  explicit EvalScope(torch::nn::Module& m) : m_(m) { m_.eval(); }
  ~EvalScope() { m_.train(); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  torch::NoGradGuard no_grad_;
  torch::nn::Module& m_;
};

/// The model and where it runs, as the signals need them.
struct ModelOn {
  Classifier& model;
  c10::Device device;
  /// A batch of inputs on the device (channels-last images on the CPU: faster oneDNN convolutions).
  at::Tensor batch(const at::Tensor& x) const;
};

/// Mean cross-entropy and accuracy on d (zeros when d is empty).
Eval evaluate(const ModelOn& m, const TensorData& d);

/// Last-layer gradients of the `pool` examples of `train` in that order (per_batch: one row per B-chunk, the mean),
/// at the current model: p - onehot [, (p - onehot) (x) embedding].
Gradients last_layer_gradients(const ModelOn& m, const TensorData& train, const std::vector<std::int64_t>& pool,
                               std::int64_t batch, bool linear, bool per_batch);

/// GLISTER's validation state: logits, embeddings and labels of the validation split (the train set without one).
ValState validation_state(const ModelOn& m, const Splits& d);

/// facloc-embed's embedding of the train set, one row per example (CPU, float). `device_name` runs a CNN encoder.
at::Tensor train_embeddings(const Encoder& e, const ModelOn& m, const Splits& d, const std::string& device_name);

}  // namespace cords::train
