#include "cords/train/signals.h"

#include <string>

#include "cords/core/error.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/embedder_factory.h"

namespace cords::train {

at::Tensor ModelOn::batch(const at::Tensor& x) const {
  at::Tensor b = x.to(device, /*non_blocking=*/true);
  if (b.dim() == 4 && device.is_cpu()) b = b.contiguous(at::MemoryFormat::ChannelsLast);
  return b;
}

Eval evaluate(const ModelOn& m, const TensorData& d) {
  Eval e;
  if (d.size() == 0) return e;
  const EvalScope scope(m.model);
  double loss = 0;
  std::int64_t correct = 0;
  chunks(d.size(), 1024, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor out = m.model.forward(m.batch(d.x.narrow(0, s, n)));
    const at::Tensor y = d.y.narrow(0, s, n).to(m.device);
    loss += torch::nn::functional::cross_entropy(
                out, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += out.argmax(1).eq(y).sum().item<std::int64_t>();
  });
  e.loss = loss / static_cast<double>(d.size());
  e.accuracy = static_cast<double>(correct) / static_cast<double>(d.size());
  return e;
}

// Eval mode: dropout off, batch norm on running statistics (CORDS' recommended policy).
Gradients last_layer_gradients(const ModelOn& m, const TensorData& train, const std::vector<std::int64_t>& pool,
                               std::int64_t batch, bool linear, bool per_batch) {
  const EvalScope scope(m.model);
  TensorData d;  // the pool, in the order given (per-batch: whole batches of the sequential train order)
  const at::Tensor pidx = at::tensor(pool, at::kLong);
  d.x = train.x.index_select(0, pidx.to(train.x.device()));
  d.y = train.y.index_select(0, pidx);
  d.classes = train.classes;
  Gradients g;
  g.y = d.y;
  g.classes = d.classes;
  g.emb_dim = m.model.embedding_dim();
  g.linear = linear;
  g.per_batch = per_batch;
  g.batch = batch;
  std::vector<at::Tensor> rows;
  const std::int64_t chunk = batch * std::max<std::int64_t>(1, 1024 / batch);
  chunks(d.size(), chunk, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor e = m.model.embed(m.batch(d.x.narrow(0, s, n)));
    const at::Tensor p = at::softmax(m.model.head->forward(e), 1) -
                         at::one_hot(d.y.narrow(0, s, n).to(m.device), d.classes).to(e.scalar_type());
    if (per_batch) {
      chunks(n, batch, [&](std::int64_t bs, std::int64_t bn) {
        const at::Tensor pb = p.narrow(0, bs, bn), eb = e.narrow(0, bs, bn);
        at::Tensor r = pb.mean(0);
        if (linear) r = at::cat({r, pb.t().mm(eb).div(static_cast<double>(bn)).flatten()});
        rows.push_back(r.unsqueeze(0).to(at::kCPU, at::kFloat));
      });
    } else {
      at::Tensor r = linear ? at::cat({p, (p.unsqueeze(2) * e.unsqueeze(1)).flatten(1)}, 1) : p;
      rows.push_back(r.to(at::kCPU, at::kFloat));
    }
  });
  g.g = at::cat(rows).contiguous();
  return g;
}

ValState validation_state(const ModelOn& m, const Splits& splits) {
  const EvalScope scope(m.model);
  ValState v;
  std::vector<at::Tensor> logits, embs;
  const TensorData& d = splits.val.size() > 0 ? splits.val : splits.train;  // no validation split: the train set
  chunks(d.size(), 1024, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor e = m.model.embed(m.batch(d.x.narrow(0, s, n)));
    logits.push_back(m.model.head->forward(e).to(at::kCPU, at::kFloat));
    embs.push_back(e.to(at::kCPU, at::kFloat));
  });
  v.logits = at::cat(logits);
  v.emb = at::cat(embs);
  v.y = d.y;
  return v;
}

namespace {

// --encoder cnn[:PATH]: a fixed image CNN (the bundled video model by default) on the training images, turned back
// into 0-255 RGB (grey images on three channels) and fed at 4x their side (at least 32, at most the model's own
// input size); one L2-normalised row per example.
at::Tensor cnn_embeddings(const Splits& d, const Encoder& encoder, const std::string& device) {
  const at::Tensor& x = d.train.x;
  if (x.dim() != 4 || (x.size(1) != 1 && x.size(1) != 3))
    throw invalid_argument(param("encoder", to_string(encoder)) + " needs an image dataset (1 or 3 channels)");
  embed::TorchEmbedderOptions eo;
  eo.model_path = encoder.path.empty() ? embed::default_model_path() : encoder.path;
  if (eo.model_path.empty())
    throw invalid_argument(param("encoder", "cnn") +
                           ": the bundled model was not found (set CORDS_MODEL, or use cnn:PATH)");
  eo.device = device;
  eo.batch = 128;
  const auto side = static_cast<int>(std::max(x.size(2), x.size(3)));
  eo.input_size = std::min(embed::read_cnn_spec(eo.model_path).input_size, std::max(32, 4 * side));
  const auto e = embed::torch_embedder(eo);
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  at::Tensor out = at::empty({n, e->dim()}, at::kFloat);
  at::Tensor mean = at::tensor(d.mean, at::kFloat).view({1, -1, 1, 1}),
             stdv = at::tensor(d.std, at::kFloat).view({1, -1, 1, 1});
  chunks(n, 2048, [&](std::int64_t st, std::int64_t len) {
    at::Tensor px = (x.narrow(0, st, len).to(at::kCPU) * stdv + mean).mul_(255.0).clamp_(0, 255).round_().to(at::kByte);
    if (c == 1) px = px.expand({len, 3, h, w});
    px = px.permute({0, 2, 3, 1}).contiguous();  // N x H x W x 3
    std::vector<Image> images(static_cast<std::size_t>(len));
    std::vector<const Image*> ptrs;
    const auto bytes = static_cast<std::size_t>(h * w * 3);
    for (std::int64_t i = 0; i < len; ++i) {
      Image& im = images[static_cast<std::size_t>(i)];
      im.width = static_cast<int>(w);
      im.height = static_cast<int>(h);
      const std::uint8_t* src = px[i].data_ptr<std::uint8_t>();
      im.data.assign(src, src + bytes);
      ptrs.push_back(&im);
    }
    e->embed(ptrs, out[st].data_ptr<float>());
  });
  return out;
}

// The normalised input, average-pooled to at most 1024 values per example.
at::Tensor pixel_embeddings(const at::Tensor& x) {
  at::Tensor emb = x;
  if (emb.dim() == 4) {
    std::int64_t h = emb.size(2), w = emb.size(3);
    while (emb.size(1) * h * w > 1024 && h > 1 && w > 1) {
      h = (h + 1) / 2;
      w = (w + 1) / 2;
    }
    if (h != emb.size(2)) emb = at::adaptive_avg_pool2d(emb, {h, w});
  }
  return emb.flatten(1).to(at::kCPU, at::kFloat);
}

}  // namespace

at::Tensor train_embeddings(const Encoder& e, const ModelOn& m, const Splits& d, const std::string& device_name) {
  switch (e.kind) {
    case Encoder::Kind::Model: {
      const EvalScope scope(m.model);
      std::vector<at::Tensor> parts;
      chunks(d.train.size(), 1024, [&](std::int64_t st, std::int64_t len) {
        parts.push_back(m.model.embed(m.batch(d.train.x.narrow(0, st, len))).to(at::kCPU, at::kFloat));
      });
      return at::cat(parts);
    }
    case Encoder::Kind::Cnn:
      return cnn_embeddings(d, e, device_name);
    case Encoder::Kind::Pixels:
      break;
  }
  return pixel_embeddings(d.train.x);
}

}  // namespace cords::train
