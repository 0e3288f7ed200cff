#include "cords/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "cords/accel/torch_functions.h"
#include "cords/core/atomic_file.h"
#include "cords/core/blas_cpu.h"
#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/train/dist.h"
#include "cords/train/models.h"
#include "cords/train/strategies.h"

namespace cords::train {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// One row per strategy: everything the trainer decides by a strategy's name (docs/training.md has the same table).
enum class Picks { All, Random, Embedding, Craig, GradMatch, Glister, InfoBatchScores, Rs2Rounds };
struct StrategyInfo {
  const char* name;
  Picks picks;              // how it chooses (Run::select, Run::go)
  bool adaptive;            // reselects on CORDS' schedule (select_every, kappa)
  bool model_based;         // selects from the live model's gradients (the pool and the mode apply)
  bool starts_random;       // trains on a random subset until its first selection (CORDS)
  bool per_batch_alias;     // "<name>-pb" = the per-batch mode (CORDS' type strings)
  std::vector<Mode> modes;  // accepted selection modes, the default first; empty: the mode is unused
  int select_every;         // CORDS' default R (per-batch GradMatch: select_every_per_batch)
  int select_every_per_batch;
  bool uses_lambda;              // GradMatch's ridge (its default: 0 per batch, else 0.5)
  bool linear_layer_by_default;  // --linear-layer auto: last-layer weight gradients in the signal
  bool own_epoch_rule;           // infobatch, rs2: choose every epoch by their own rule (no warm start)
  bool one_process;              // no --world-size
};

const std::vector<StrategyInfo>& strategy_table() {
  using M = Mode;
  // The selection modes each accepts, its default first.
  const std::vector<M> none, per_class{M::PerClass}, craig{M::PerClass, M::PerBatch, M::Whole},
      gradmatch{M::PerClassPerGradient, M::PerClass, M::PerBatch, M::Whole},
      glister{M::Whole, M::PerClass, M::PerBatch};
  // clang-format off
  static const std::vector<StrategyInfo> t = {
      // name           picks                   adapt  model  random alias  modes      R   R(pb) lambda linear own    1 proc
      {"full",          Picks::All,             false, false, false, false, none,      20, 20,   false, false, false, false},
      {"random",        Picks::Random,          false, false, true,  false, none,      20, 20,   false, false, false, false},
      {"random-online", Picks::Random,          true,  false, true,  false, none,      1,  1,    false, false, false, false},
      {"craig",         Picks::Craig,           true,  true,  true,  true,  craig,     20, 20,   false, false, false, false},
      {"gradmatch",     Picks::GradMatch,       true,  true,  true,  true,  gradmatch, 20, 1,    true,  true,  false, false},
      {"glister",       Picks::Glister,         true,  true,  true,  true,  glister,   20, 20,   false, false, false, false},
      {"facloc-embed",  Picks::Embedding,       false, false, false, false, per_class, 20, 20,   false, false, false, false},
      {"infobatch",     Picks::InfoBatchScores, false, false, false, false, none,      20, 20,   false, false, true,  true},
      {"rs2",           Picks::Rs2Rounds,       false, false, false, false, none,      20, 20,   false, false, true,  false},
  };
  // clang-format on
  return t;
}

const StrategyInfo& strategy_info(const std::string& name) {
  for (const auto& s : strategy_table())
    if (name == s.name) return s;
  throw invalid_argument("unknown strategy '" + name + "'; valid: " + strategy_help());
}

std::vector<std::int64_t> example_shape(const at::Tensor& x) {
  auto s = x.sizes().vec();
  s.erase(s.begin());
  return s;
}

// Runs `f(start, len)` over [0, n) in chunks of `chunk`.
template <class F>
void chunks(std::int64_t n, std::int64_t chunk, F f) {
  for (std::int64_t s = 0; s < n; s += chunk) f(s, std::min(chunk, n - s));
}

// "craig-per-batch", "random", ...: the name of a run in OUT/runs/.
std::string run_label(const std::string& strategy, const std::string& mode) {
  return mode.empty() ? strategy : strategy + "-" + mode;
}

struct Eval {
  double loss = 0, accuracy = 0;
};

// What the epoch loop carries from one epoch to the next (with the model, the optimizer and Run's own strategy
// state): what a checkpoint saves.
struct LoopState {
  LoopState(std::uint64_t seed, std::int64_t n)
      : order_rng(seed + 2), prune_rng(seed + 3), covered(static_cast<std::size_t>(n), 0) {}
  int next_epoch = 0;  // epochs done
  Subset current;
  Rng order_rng, prune_rng;
  std::vector<char> covered;
  json epochs = json::array();
  double train_time = 0, selection_time = 0;
  int selections = 0;
  Eval val, test;
};

// facloc-embed with --encoder cnn[:PATH]: a fixed image CNN (the bundled video model by default) on the training
// images, turned back into 0-255 RGB (grey images on three channels) and fed at 4x their side (at least 32, at most
// the model's own input size); one L2-normalised row per example.
at::Tensor cnn_embeddings(const Splits& d, const std::string& encoder, const std::string& device) {
  const at::Tensor& x = d.train.x;
  if (x.dim() != 4 || (x.size(1) != 1 && x.size(1) != 3))
    throw invalid_argument(param("encoder", encoder) + " needs an image dataset (1 or 3 channels)");
  embed::TorchEmbedderOptions eo;
  eo.model_path = encoder == "cnn" ? embed::default_model_path() : encoder.substr(4);
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

// Evaluation mode without autograd for one scope (dropout off, batch norm on running statistics); training mode
// again at its end, also when the scope is left by an exception.
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

class Run {
 public:
  Run(const TrainOptions& o, Splits data) : o_(o), data_(std::move(data)), device_(accel::resolve_device(o.device)) {}

  using ProgressFn = std::function<void(int, int, const std::string&)>;
  /// The whole run: model, schedule, the epoch loop (with checkpoints and --resume), metrics.json.
  RunSummary go(const ProgressFn& progress);

 private:
  // The epoch schedule of an adaptive strategy (CORDS': every R epochs, warm start kappa).
  struct Schedule {
    bool adaptive = false;
    int T = 0, R = 1, select_after = 0, warmup = 0;
    int first = 0;  // the first epoch that selects (>= T: none does)
    bool selects_at(int e) const;
  };
  // An epoch's data and its selection time.
  struct EpochPlan {
    std::string phase;
    const Subset* use = nullptr;  // none: a skipped warm-start epoch
    double selection_s = 0;
  };
  // What training one epoch gave.
  struct EpochResult {
    double lr = 0, loss_sum = 0, seconds = 0;
    std::int64_t seen = 0;
  };
  std::string set_up_model();
  Schedule schedule() const;
  void set_up_strategy(LoopState& st);
  EpochPlan plan_epoch(int e, LoopState& st);
  void record_epoch(int e, const EpochPlan& plan, const EpochResult& r, LoopState& st, const ProgressFn& progress);
  RunSummary finish(const LoopState& st, const std::string& model_name, const std::string& label,
                    const std::string& never_note);
  bool timed() const { return o_.budget_time > 0; }
  // Cosine annealing of the learning rate over the share f of the run (epochs, steps or the time budget).
  double cosine(double f) const { return 0.5 * o_.lr * (1.0 + std::cos(M_PI * std::min(1.0, f))); }

  at::Tensor batch_x(const at::Tensor& x) const {
    at::Tensor b = x.to(device_, /*non_blocking=*/true);
    if (b.dim() == 4 && device_.is_cpu())
      b = b.contiguous(at::MemoryFormat::ChannelsLast);  // faster oneDNN convolutions
    return b;
  }
  Eval evaluate(const TensorData& d);
  Gradients gradients(bool linear, bool per_batch, const std::vector<std::int64_t>& pool);
  ValState val_state();
  Subset select(std::uint64_t seed);
  void train_epoch(const Subset& s, Rng& rng, double& loss_sum, std::int64_t& seen);
  void sync_subset(Subset& s);
  Subset infobatch_subset(Rng& rng) const;
  Subset rs2_subset(std::int64_t k, Rng& rng);
  json fingerprint(const std::string& model_name) const;
  void save_checkpoint(const LoopState& st) const;
  bool load_checkpoint(LoopState& st);
  std::string implausible(const LoopState& st, const std::vector<at::Tensor>& model) const;
  std::optional<RunSummary> completed_run(const std::string& label) const;

  // InfoBatch: each example's loss when it was last trained (1 before: nothing is below the mean in epoch 1). On
  // the training device (no host sync per step); read once per epoch.
  at::Tensor scores_;
  // Checkpoint file (one process only; empty: none) and the options it must have been written with.
  std::string checkpoint_;
  json fingerprint_;
  // RS2: a permutation of the train set, taken k at a time; reshuffled when used up (without replacement).
  std::vector<std::int64_t> rs2_order_;
  std::size_t rs2_next_ = 0;
  // A learning rate per step instead of per epoch (RS2): step -> lr; steps_ counts them.
  std::function<double(std::int64_t)> step_lr_;
  std::int64_t steps_ = 0;
  // --budget-time: train time spent before the current epoch, and the current epoch's clock; spent() is the
  // budget used so far (what the time-based schedule follows).
  double spent_before_ = 0;
  Stopwatch epoch_clock_;
  double spent() const { return spent_before_ + epoch_clock_.seconds(); }

  TrainOptions o_;
  Splits data_;
  c10::Device device_;
  const StrategyInfo* kind_ = nullptr;
  Schedule sched_;
  std::int64_t k_ = 0;  // the subset size
  bool lead_ = true;    // rank 0 (or the only process): evaluates and writes
  Subset all_;          // every train example, weight 1
  std::shared_ptr<Classifier> model_;
  std::unique_ptr<torch::optim::SGD> opt_;
  std::unique_ptr<Communicator> comm_;
};

Eval Run::evaluate(const TensorData& d) {
  Eval e;
  if (d.size() == 0) return e;
  const EvalScope scope(*model_);
  double loss = 0;
  std::int64_t correct = 0;
  chunks(d.size(), 1024, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor out = model_->forward(batch_x(d.x.narrow(0, s, n)));
    const at::Tensor y = d.y.narrow(0, s, n).to(device_);
    loss += torch::nn::functional::cross_entropy(
                out, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += out.argmax(1).eq(y).sum().item<std::int64_t>();
  });
  e.loss = loss / static_cast<double>(d.size());
  e.accuracy = static_cast<double>(correct) / static_cast<double>(d.size());
  return e;
}

// Last-layer gradients of the train set in sequential order, at the current model (eval mode: dropout off, batch
// norm on running statistics, CORDS' recommended policy): p - onehot [, (p - onehot) (x) embedding].
Gradients Run::gradients(bool linear, bool per_batch, const std::vector<std::int64_t>& pool) {
  const EvalScope scope(*model_);
  TensorData d;  // the pool, in the order given (per-batch: whole batches of the sequential train order)
  const at::Tensor pidx = at::tensor(pool, at::kLong);
  d.x = data_.train.x.index_select(0, pidx.to(data_.train.x.device()));
  d.y = data_.train.y.index_select(0, pidx);
  d.classes = data_.train.classes;
  Gradients g;
  g.y = d.y;
  g.classes = d.classes;
  g.emb_dim = model_->embedding_dim();
  g.linear = linear;
  g.per_batch = per_batch;
  g.batch = o_.batch;
  std::vector<at::Tensor> rows;
  const std::int64_t chunk = o_.batch * std::max<std::int64_t>(1, 1024 / o_.batch);
  chunks(d.size(), chunk, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor e = model_->embed(batch_x(d.x.narrow(0, s, n)));
    const at::Tensor p = at::softmax(model_->head->forward(e), 1) -
                         at::one_hot(d.y.narrow(0, s, n).to(device_), d.classes).to(e.scalar_type());
    if (per_batch) {
      chunks(n, o_.batch, [&](std::int64_t bs, std::int64_t bn) {
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

ValState Run::val_state() {
  const EvalScope scope(*model_);
  ValState v;
  std::vector<at::Tensor> logits, embs;
  const TensorData& d = data_.val.size() > 0 ? data_.val : data_.train;  // no validation split: the train set
  chunks(d.size(), 1024, [&](std::int64_t s, std::int64_t n) {
    const at::Tensor e = model_->embed(batch_x(d.x.narrow(0, s, n)));
    logits.push_back(model_->head->forward(e).to(at::kCPU, at::kFloat));
    embs.push_back(e.to(at::kCPU, at::kFloat));
  });
  v.logits = at::cat(logits);
  v.emb = at::cat(embs);
  v.y = d.y;
  return v;
}

Subset Run::select(std::uint64_t seed) {
  const std::int64_t n = data_.train.size();
  const std::int64_t k = budget_of(n, o_.fraction);
  const Mode mode = parse_mode(o_.mode);
  const bool per_batch = mode == Mode::PerBatch;
  const StrategyInfo& s = *kind_;
  if (s.picks == Picks::Random) return random_subset(n, k, seed);
  if (s.picks == Picks::Embedding) {
    at::Tensor emb;
    if (o_.encoder == "model") {
      const EvalScope scope(*model_);
      std::vector<at::Tensor> parts;
      chunks(n, 1024, [&](std::int64_t st, std::int64_t len) {
        parts.push_back(model_->embed(batch_x(data_.train.x.narrow(0, st, len))).to(at::kCPU, at::kFloat));
      });
      emb = at::cat(parts);
    } else if (o_.encoder.rfind("cnn", 0) == 0) {
      emb = cnn_embeddings(data_, o_.encoder, o_.device);
    } else {  // pixels: the normalised input, average-pooled to at most 1024 values per example
      emb = data_.train.x;
      if (emb.dim() == 4) {
        std::int64_t h = emb.size(2), w = emb.size(3);
        while (emb.size(1) * h * w > 1024 && h > 1 && w > 1) {
          h = (h + 1) / 2;
          w = (w + 1) / 2;
        }
        if (h != emb.size(2)) emb = at::adaptive_avg_pool2d(emb, {h, w});
      }
      emb = emb.flatten(1).to(at::kCPU, at::kFloat);
    }
    return facloc_embed(emb, data_.train.y, data_.train.classes, k);
  }
  const bool linear = o_.linear_layer == "on" ||
                      (o_.linear_layer == "auto" && (s.linear_layer_by_default || mode == Mode::PerClassPerGradient));
  const std::vector<std::int64_t> pool = candidate_pool(n, o_.batch, o_.pool, per_batch, seed ^ 0x9e3779b97f4a7c15ULL);
  const Gradients g = gradients(linear, per_batch, pool);
  Subset chosen;
  switch (s.picks) {
    case Picks::Craig:
      chosen = craig(g, k, mode);
      break;
    case Picks::GradMatch:
      chosen = gradmatch(g, k, mode, o_.lambda, seed);
      break;
    case Picks::Glister:
      chosen = glister(g, val_state(), k, mode, o_.lr, seed);
      break;
    default:  // the others returned above
      CORDS_CHECK(false, std::string("select() has no gradient rule for ") + s.name);
  }
  for (auto& i : chosen.indices) i = pool[static_cast<std::size_t>(i)];  // pool positions -> train indices
  return chosen;
}

// Rank 0's subset to every rank.
void Run::sync_subset(Subset& s) {
  if (!comm_) return;
  at::Tensor size = at::tensor(std::vector<std::int64_t>{static_cast<std::int64_t>(s.indices.size())}, at::kLong);
  comm_->broadcast(size, 0);
  const std::int64_t m = size.item<std::int64_t>();
  at::Tensor idx = comm_->rank() == 0 ? at::tensor(s.indices, at::kLong) : at::empty({m}, at::kLong);
  at::Tensor w = comm_->rank() == 0 ? at::tensor(s.weights, at::kFloat) : at::empty({m}, at::kFloat);
  comm_->broadcast(idx, 0);
  comm_->broadcast(w, 0);
  s.indices.assign(idx.data_ptr<std::int64_t>(), idx.data_ptr<std::int64_t>() + m);
  s.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + m);
}

// One pass over the subset in a shuffled order, mini-batches of B, loss sum(w l) / sum(w) per mini-batch. With
// several ranks each takes a contiguous share of every mini-batch and the gradients are summed: the same update
// as one process.
// One piece: one mini-batch loop (shuffled order, each rank's share, forward, backward, step, the loss sums).
void Run::train_epoch(const Subset& s, Rng& rng, double& loss_sum, std::int64_t& seen) {
  const auto m = static_cast<std::int64_t>(s.indices.size());
  std::vector<std::int64_t> order = rng.sample_without_replacement(m, m);
  const at::Tensor idx_all = at::tensor(s.indices, at::kLong), w_all = at::tensor(s.weights, at::kFloat);
  const at::Tensor perm = at::tensor(order, at::kLong);
  const int world = comm_ ? comm_->world() : 1, rank = comm_ ? comm_->rank() : 0;
  std::vector<at::Tensor> grads;
  at::Tensor loss_acc = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device_));  // no sync per step
  for (std::int64_t b0 = 0; b0 < m; b0 += o_.batch) {
    const std::int64_t bn = std::min<std::int64_t>(o_.batch, m - b0);
    const at::Tensor pos = perm.narrow(0, b0, bn);
    const at::Tensor idx = idx_all.index_select(0, pos), w = w_all.index_select(0, pos);
    const double wsum = s.per_count ? static_cast<double>(bn) : w.sum().item<double>();
    const std::int64_t share = (bn + world - 1) / world, lo = std::min(bn, rank * share), hi = std::min(bn, lo + share);
    for (auto& p : model_->parameters())  // set_to_none: no memset of every gradient each step
      if (p.grad().defined()) p.mutable_grad().reset();
    if (hi > lo) {
      const at::Tensor mine = idx.narrow(0, lo, hi - lo);
      const at::Tensor x = batch_x(data_.train.x.index_select(0, mine.to(data_.train.x.device())));
      const at::Tensor y = data_.train.y.index_select(0, mine).to(device_);
      const at::Tensor losses = torch::nn::functional::cross_entropy(
          model_->forward(x), y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
      const at::Tensor loss = (losses * w.narrow(0, lo, hi - lo).to(device_)).sum() / wsum;
      loss.backward();
      if (scores_.defined())  // InfoBatch: the examples' own losses (one process: checked in with_defaults)
        scores_.index_put_({mine.to(device_)}, losses.detach().to(at::kFloat));
      loss_acc += loss.detach().to(at::kDouble) * wsum;
    }
    if (comm_) {
      grads.clear();
      for (auto& p : model_->parameters()) {
        if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
        grads.push_back(p.grad());
      }
      // Gloo works on CPU tensors: one flat buffer per step.
      at::Tensor flat = at::cat([&] {
        std::vector<at::Tensor> f;
        for (auto& g : grads) f.push_back(g.flatten().to(at::kCPU));
        return f;
      }());
      std::vector<at::Tensor> one{flat};
      comm_->allreduce_sum(one);
      std::int64_t off = 0;
      for (auto& g : grads) {
        g.copy_(flat.narrow(0, off, g.numel()).view_as(g));
        off += g.numel();
      }
    }
    if (step_lr_)
      for (auto& group : opt_->param_groups())
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(step_lr_(steps_));
    ++steps_;
    opt_->step();
    seen += bn;
  }
  loss_sum += loss_acc.item<double>();
  if (comm_) {  // each rank summed the loss of its share
    std::vector<at::Tensor> total{at::tensor(std::vector<double>{loss_sum}, at::kDouble)};
    comm_->allreduce_sum(total);
    loss_sum = total[0].item<double>();
  }
}

// InfoBatch (Qin et al., ICLR 2024): the examples whose last loss is below the mean are "well learned"; each is
// left out with probability prune_ratio, and those kept count 1 / (1 - prune_ratio) in the loss (averaged over the
// batch), so the expected gradient is the full data's. The others are always kept.
Subset Run::infobatch_subset(Rng& rng) const {
  const at::Tensor host = scores_.to(at::kCPU).contiguous();
  const float* sc = host.data_ptr<float>();
  const auto count = static_cast<std::size_t>(host.numel());
  const double mean = std::accumulate(sc, sc + count, 0.0) / static_cast<double>(count);
  const double r = o_.prune_ratio;
  Subset s;
  s.per_count = true;
  for (std::size_t i = 0; i < count; ++i) {
    if (sc[i] < mean) {
      if (rng.uniform01() < r) continue;
      s.indices.push_back(static_cast<std::int64_t>(i));
      s.weights.push_back(static_cast<float>(1.0 / (1.0 - r)));
    } else {
      s.indices.push_back(static_cast<std::int64_t>(i));
      s.weights.push_back(1.0f);
    }
  }
  return s;
}

// RS2 (Okanovic et al., 2023): each round trains on the next k examples of a random order of the whole train set,
// so every example is seen once before any is seen twice; the order is drawn again when it runs out.
Subset Run::rs2_subset(std::int64_t k, Rng& rng) {
  const auto n = static_cast<std::int64_t>(data_.train.size());
  Subset s;
  while (static_cast<std::int64_t>(s.indices.size()) < k) {
    if (rs2_next_ >= rs2_order_.size()) {
      rs2_order_ = rng.sample_without_replacement(n, n);
      rs2_next_ = 0;
    }
    s.indices.push_back(rs2_order_[rs2_next_++]);
  }
  std::sort(s.indices.begin(), s.indices.end());
  s.indices.erase(std::unique(s.indices.begin(), s.indices.end()), s.indices.end());  // (a reshuffle mid-round)
  s.weights.assign(s.indices.size(), 1.0f);
  return s;
}

// The train time the next epoch will take, from the last one's: its training, plus its last selection's time when
// the next epoch selects (0 for the first).
double next_epoch_estimate(const LoopState& st, bool selects) {
  if (st.epochs.empty()) return 0.0;
  const json& last = st.epochs.back();
  double est = last.value("epoch_time_s", 0.0) - last.value("selection_time_s", 0.0);
  if (selects)
    for (auto it = st.epochs.rbegin(); it != st.epochs.rend(); ++it)
      if (it->value("selection_time_s", 0.0) > 0) {
        est += it->value("selection_time_s", 0.0);
        break;
      }
  return est;
}

// The options a checkpoint must have been written with to be continued (what decides the run's result; not the
// threads, the device or the output folder).
json Run::fingerprint(const std::string& model_name) const {
  return {{"dataset", o_.data.dataset},
          {"limit", o_.data.limit},
          {"val_fraction", o_.data.val_fraction},
          {"train_size", data_.train.size()},
          {"model", model_name},
          {"strategy", o_.strategy},
          {"mode", o_.mode},
          {"fraction", o_.fraction},
          {"epochs", o_.epochs},
          {"select_every", o_.select_every},
          {"kappa", o_.kappa},
          {"prune_ratio", o_.prune_ratio},
          {"anneal", o_.anneal},
          {"batch_size", o_.batch},
          {"lr", o_.lr},
          {"momentum", o_.momentum},
          {"weight_decay", o_.weight_decay},
          {"nesterov", o_.nesterov},
          {"lambda", o_.lambda},
          {"linear_layer", o_.linear_layer},
          {"pool", o_.pool},
          {"encoder", o_.encoder},
          {"seed", o_.seed},
          {"budget_time", o_.budget_time}};
}

namespace {

at::Tensor rng_tensor(const Rng& a, const Rng& b) {
  std::vector<std::int64_t> v;
  for (const Rng* r : {&a, &b})
    for (std::uint64_t w : r->state()) v.push_back(static_cast<std::int64_t>(w));
  return at::tensor(v, at::kLong);
}

void restore_rng(const at::Tensor& t, Rng& a, Rng& b) {
  if (t.scalar_type() != at::kLong || t.numel() != 8)
    throw std::runtime_error("rngs is not 8 64-bit integers");  // (a shorter one was read past its end)
  const at::Tensor c = t.to(at::kCPU).contiguous();
  const std::int64_t* p = c.data_ptr<std::int64_t>();
  for (Rng* r : {&a, &b}) {
    std::array<std::uint64_t, 4> s{};
    for (auto& w : s) w = static_cast<std::uint64_t>(*p++);
    r->set_state(s);
  }
}

}  // namespace

// After every epoch, atomically (a kill leaves the previous checkpoint or this one, never a torn file): the model,
// the optimizer, the loop's state, the strategies' own state and every random generator, so that a resumed run
// continues exactly as the uninterrupted one.
void Run::save_checkpoint(const LoopState& st) const {
  torch::serialize::OutputArchive a;
  a.write("fingerprint", c10::IValue(fingerprint_.dump()));
  a.write("next_epoch", c10::IValue(static_cast<std::int64_t>(st.next_epoch)));
  const std::vector<at::Tensor> model = model_->state_tensors();
  a.write("model_tensors", c10::IValue(static_cast<std::int64_t>(model.size())));
  for (std::size_t i = 0; i < model.size(); ++i) a.write("model_" + std::to_string(i), model[i].detach());
  torch::serialize::OutputArchive opt;
  opt_->save(opt);
  a.write("optimizer", opt);
  a.write("subset_indices", at::tensor(st.current.indices, at::kLong));
  a.write("subset_weights", at::tensor(st.current.weights, at::kFloat));
  a.write("subset_per_count", c10::IValue(st.current.per_count));
  a.write("covered",
          at::from_blob(const_cast<char*>(st.covered.data()), {static_cast<std::int64_t>(st.covered.size())}, at::kChar)
              .clone());
  a.write("epochs", c10::IValue(st.epochs.dump()));
  a.write("times", at::tensor(std::vector<double>{st.train_time, st.selection_time, st.val.loss, st.val.accuracy,
                                                  st.test.loss, st.test.accuracy},
                              at::kDouble));
  a.write("selections", c10::IValue(static_cast<std::int64_t>(st.selections)));
  a.write("rngs", rng_tensor(st.order_rng, st.prune_rng));
  if (scores_.defined()) a.write("scores", scores_.to(at::kCPU));
  a.write("rs2_order", at::tensor(rs2_order_, at::kLong));
  a.write("rs2_next", c10::IValue(static_cast<std::int64_t>(rs2_next_)));
  a.write("steps", c10::IValue(steps_));
  a.write("dropout_calls", c10::IValue(static_cast<std::int64_t>(model_->dropout_calls())));
  a.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state());
  std::ostringstream os;
  a.save_to(os);
  fs::create_directories(fs::path(checkpoint_).parent_path());
  write_file_atomic(checkpoint_, os.str());
}

// --resume of a run that already completed with these options (no checkpoint left, OUT/runs/<label>.json records
// them): its summary, without training again; its record becomes OUT/metrics.json again.
std::optional<RunSummary> Run::completed_run(const std::string& label) const {
  std::error_code ec;
  const fs::path record = fs::path(o_.out) / "runs" / (label + ".json");
  if (fs::exists(checkpoint_, ec) || !fs::is_regular_file(record, ec)) return std::nullopt;
  std::ifstream in(record);
  std::stringstream text;
  text << in.rdbuf();
  const json m = json::parse(text.str(), nullptr, false);
  if (!m.is_object() || !m.contains("options") || m["options"] != fingerprint_) return std::nullopt;
  RunSummary r;
  r.strategy = m.value("strategy", o_.strategy);
  r.mode = m.value("mode", std::string());
  r.test_accuracy = m.value("test_accuracy", 0.0);
  r.val_accuracy = m.value("val_accuracy", 0.0);
  r.train_time_s = m.value("train_time_s", 0.0);
  r.selection_time_s = m.value("selection_time_s", 0.0);
  r.never_selected = m.value("never_selected", false);
  r.epochs = m.contains("per_epoch") ? static_cast<int>(m["per_epoch"].size()) : 0;
  r.metrics_path = (fs::path(o_.out) / "metrics.json").string();
  write_file_atomic(r.metrics_path, text.str());
  if (!o_.quiet)
    std::fprintf(stderr, "cords-summarize train: --resume: %s is complete (%s), not run again\n", label.c_str(),
                 record.string().c_str());
  return r;
}

// LibTorch's messages carry a trace on further lines: the first line, at most 200 characters.
static std::string first_line(const std::string& s) {
  return s.substr(0, std::min<std::size_t>(200, s.find('\n')));
}

// What a checkpoint that passed the type checks may still hold that no run writes: "" when nothing, else the first
// implausible field. (A NaN model or weights, times or counts that no run reaches, an epoch list that disagrees with
// next_epoch: a damaged or hand-made file would otherwise resume into a wrong result with exit 0.)
std::string Run::implausible(const LoopState& st, const std::vector<at::Tensor>& model) const {
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model[i].is_floating_point() && !torch::isfinite(model[i]).all().item<bool>())
      return "model_" + std::to_string(i) + " holds NaN or infinite values";
  for (float w : st.current.weights)
    if (!std::isfinite(w) || w < 0) return "subset_weights holds a negative, NaN or infinite weight";
  for (double t : {st.train_time, st.selection_time, st.val.loss, st.test.loss})
    if (!std::isfinite(t) || t < 0) return "times holds a negative, NaN or infinite value";
  for (double acc : {st.val.accuracy, st.test.accuracy})
    if (!(acc >= 0 && acc <= 1)) return "times holds an accuracy outside [0, 1]";
  for (char c : st.covered)
    if (c != 0 && c != 1) return "covered holds values other than 0 and 1";
  if (!st.epochs.is_array() || st.epochs.size() != static_cast<std::size_t>(st.next_epoch))
    return "epochs does not list the " + std::to_string(st.next_epoch) + " epochs before next_epoch";
  for (const auto& e : st.epochs)
    if (!e.is_object()) return "epochs holds an entry that is not an epoch's record";
  if (st.selections < 0 || st.selections > st.next_epoch) return "selections out of range";
  if (steps_ < 0) return "steps out of range";
  if (static_cast<std::int64_t>(model_->dropout_calls()) < 0) return "dropout_calls out of range";
  return "";
}

// --resume: continues from the checkpoint when there is one (false: none, the run starts at epoch 1). Throws
// InvalidArgument when it was written with other options, InputUnreadable when it cannot be read.
// One piece: it reads every field in the order save_checkpoint writes them, each checked.
bool Run::load_checkpoint(LoopState& st) {
  std::error_code ec;
  if (!fs::is_regular_file(checkpoint_, ec)) {
    if (!o_.quiet)
      std::fprintf(stderr, "cords-summarize train: --resume: no checkpoint at %s, starting at epoch 1\n",
                   checkpoint_.c_str());
    return false;
  }
  torch::serialize::InputArchive a;
  c10::IValue v;
  try {
    a.load_from(checkpoint_, device_);
    a.read("fingerprint", v);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::InputUnreadable, "checkpoint '" + checkpoint_ + "' cannot be read (" + first_line(e.what()) +
                                                "); delete it to start the run over");
  }
  const json saved = json::parse(v.toStringRef(), nullptr, false);
  for (const auto& [key, value] : fingerprint_.items())
    if (!saved.is_object() || !saved.contains(key) || saved[key] != value)
      throw invalid_argument(param("resume") + ": checkpoint '" + checkpoint_ + "' is of a run with " + key + " = " +
                             (saved.is_object() && saved.contains(key) ? saved[key].dump() : std::string("(unknown)")) +
                             ", this run has " + value.dump() +
                             "; resume with the same options, or delete the checkpoint to start over");
  // Past the fingerprint, the checkpoint is read whole; anything missing, of the wrong type or out of range (a
  // damaged or hand-made file) is InputUnreadable with its name, never an ATen error or an index past the data.
  const auto malformed = [this](const std::string& what) {
    throw Error(ErrorKind::InputUnreadable,
                "checkpoint '" + checkpoint_ + "' is malformed (" + what + "); delete it to start the run over");
  };
  try {
    a.read("model_tensors", v);
    std::vector<at::Tensor> model = model_->state_tensors();
    if (v.toInt() != static_cast<std::int64_t>(model.size()))
      throw invalid_argument(param("resume") + ": the checkpoint's model has another shape");
    {
      torch::NoGradGuard ng;
      for (std::size_t i = 0; i < model.size(); ++i) {
        at::Tensor t;
        a.read("model_" + std::to_string(i), t);
        if (!t.sizes().equals(model[i].sizes()))
          throw invalid_argument(param("resume") + ": the checkpoint's model has another shape");
        model[i].copy_(t);
      }
    }
    torch::serialize::InputArchive opt;
    a.read("optimizer", opt);
    opt_->load(opt);
    // (each read into a fresh tensor: reading into a defined one would set_ it to the stored data in place)
    const auto tensor = [&a](const char* key) {
      at::Tensor x;
      a.read(key, x);
      return x.to(at::kCPU).contiguous();
    };
    const auto integer = [&a](const char* key) {
      c10::IValue x;
      a.read(key, x);
      return x.toInt();
    };
    st.next_epoch = static_cast<int>(integer("next_epoch"));
    const std::int64_t n = data_.train.size();
    const auto in_train_set = [n](const std::vector<std::int64_t>& ids) {
      return std::all_of(ids.begin(), ids.end(), [n](std::int64_t i) { return i >= 0 && i < n; });
    };
    if (st.next_epoch < 0 || st.next_epoch > o_.epochs) malformed("next_epoch out of range");
    at::Tensor t = tensor("subset_indices");
    st.current.indices.assign(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
    t = tensor("subset_weights");
    st.current.weights.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    if (!in_train_set(st.current.indices) || st.current.weights.size() != st.current.indices.size())
      malformed("its subset does not index this train set");
    a.read("subset_per_count", v);
    st.current.per_count = v.toBool();
    t = tensor("covered");
    if (t.numel() != static_cast<std::int64_t>(st.covered.size()))
      throw invalid_argument(param("resume") + ": the checkpoint is of another train set");
    std::copy(t.data_ptr<std::int8_t>(), t.data_ptr<std::int8_t>() + t.numel(), st.covered.begin());
    a.read("epochs", v);
    st.epochs = json::parse(v.toStringRef());
    t = tensor("times");
    if (t.numel() != 6) malformed("times");
    const double* d = t.data_ptr<double>();
    st.train_time = d[0];
    st.selection_time = d[1];
    st.val = {d[2], d[3]};
    st.test = {d[4], d[5]};
    st.selections = static_cast<int>(integer("selections"));
    restore_rng(tensor("rngs"), st.order_rng, st.prune_rng);
    if (scores_.defined()) {
      const at::Tensor scores = tensor("scores");
      if (!scores.sizes().equals(scores_.sizes())) malformed("InfoBatch scores of another size");
      scores_.copy_(scores);
    }
    t = tensor("rs2_order");
    rs2_order_.assign(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
    const std::int64_t next = integer("rs2_next");
    if (!in_train_set(rs2_order_) || next < 0 || next > static_cast<std::int64_t>(rs2_order_.size()))
      malformed("its RS2 order does not index this train set");
    rs2_next_ = static_cast<std::size_t>(next);
    steps_ = integer("steps");
    model_->set_dropout_calls(static_cast<std::uint64_t>(integer("dropout_calls")));
    at::Generator gen = at::detail::getDefaultCPUGenerator();  // (a handle: the process's generator itself)
    gen.set_state(tensor("torch_rng"));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    malformed(first_line(e.what()));
  }
  const std::string bad = implausible(st, model_->state_tensors());
  if (!bad.empty()) malformed(bad);
  return true;
}

// Builds the model on the device (channels-last convolution weights on the CPU), identical on every rank, and its
// optimizer; returns the model's name.
std::string Run::set_up_model() {
  const TensorData& train = data_.train;
  torch::manual_seed(o_.seed);
  std::string model_name = o_.model.empty() ? default_model(o_.data.dataset, example_shape(train.x)) : o_.model;
  model_ = make_model(model_name, example_shape(train.x), train.classes);
  model_->to(device_);
  if (device_.is_cpu()) {
    // Convolution weights in channels-last: oneDNN then keeps every activation channels-last (a 1-channel input
    // alone cannot ask for it), which makes its convolutions and ATen's max-pool several times faster on CPU.
    // Copied into a fresh channels-last tensor rather than .contiguous(ChannelsLast): for a 1-channel weight (the
    // first layer on grey images) both layouts count as contiguous, .contiguous() keeps the NCHW strides and oneDNN
    // then writes that layer's output as NCHW; the next layer converted it back each step, and the ReLU between them
    // ran its backward on mismatched layouts (together about 20% of a MnistNet step).
    torch::NoGradGuard ng;
    for (auto& p : model_->parameters())
      if (p.dim() == 4) {
        at::Tensor q = at::empty(p.sizes(), p.options().memory_format(at::MemoryFormat::ChannelsLast));
        q.copy_(p);
        p.set_data(q);
      }
  }
  if (comm_)  // identical initial weights on every rank
    for (auto& p : model_->parameters()) {
      at::Tensor c = p.detach().to(at::kCPU).contiguous();
      comm_->broadcast(c, 0);
      torch::NoGradGuard ng;
      p.copy_(c);
    }
  torch::manual_seed(o_.seed + 7919ULL * static_cast<std::uint64_t>(o_.rank) + 1);
  model_->seed_dropout(o_.seed * 0x2545f4914f6cdd1dULL + static_cast<std::uint64_t>(o_.rank) + 1);  // masks per rank
  opt_ = std::make_unique<torch::optim::SGD>(
      model_->parameters(),
      torch::optim::SGDOptions(o_.lr).momentum(o_.momentum).nesterov(o_.nesterov).weight_decay(o_.weight_decay));
  return model_name;
}

// The one rule of the adaptive schedule: epoch e (0-based) reselects. CORDS: every R epochs from the third on,
// except in the warm start (full data for `warmup` epochs, the rest of the first kappa T skipped).
bool Run::Schedule::selects_at(int e) const {
  return adaptive && !(warmup < e && e < select_after) && e >= warmup && e % R == 0 && e > 1;
}

Run::Schedule Run::schedule() const {
  Schedule sc;
  sc.adaptive = kind_->adaptive;
  sc.T = o_.epochs;
  sc.R = o_.select_every;
  sc.select_after = sc.adaptive && o_.kappa > 0 ? static_cast<int>(o_.kappa * sc.T) : 0;
  sc.warmup = sc.adaptive && o_.kappa > 0 ? static_cast<int>(std::ceil(sc.select_after * o_.fraction)) : 0;
  while (sc.adaptive && !sc.selects_at(sc.first)) ++sc.first;  // (ends: past the warm start, every R-th selects)
  return sc;
}

// What the strategy needs before the first epoch: InfoBatch's scores, RS2's per-step learning rate, the random
// subset that CORDS' adaptive strategies start from.
void Run::set_up_strategy(LoopState& st) {
  const std::int64_t n = data_.train.size();
  if (kind_->picks == Picks::InfoBatchScores)
    scores_ = at::ones({n}, at::TensorOptions().dtype(at::kFloat).device(device_));
  if (kind_->picks == Picks::Rs2Rounds && timed()) {
    step_lr_ = [this](std::int64_t) { return cosine(spent() / o_.budget_time); };
  } else if (kind_->picks == Picks::Rs2Rounds) {  // the rate follows the steps taken: cosine over T rounds' steps
    const std::int64_t total = static_cast<std::int64_t>(sched_.T) * ((k_ + o_.batch - 1) / o_.batch);
    step_lr_ = [this, total](std::int64_t step) {
      return cosine(static_cast<double>(step) / static_cast<double>(total));
    };
  }
  if (kind_->starts_random) {
    st.current = random_subset(n, k_, o_.seed + 1);  // CORDS: every adaptive strategy starts from a random subset
    sync_subset(st.current);
  }
}

// Epoch e's data: all of it, a subset chosen now (its selection time measured), the current subset, or none (a
// skipped warm-start epoch).
Run::EpochPlan Run::plan_epoch(int e, LoopState& st) {
  EpochPlan plan;
  const bool infobatch = kind_->picks == Picks::InfoBatchScores, rs2 = kind_->picks == Picks::Rs2Rounds;
  const bool annealed = infobatch && (timed() ? st.train_time >= o_.anneal * o_.budget_time
                                              : e >= static_cast<int>(std::ceil(o_.anneal * sched_.T)));
  if (kind_->picks == Picks::All || annealed) {
    plan.phase = "full";  // (InfoBatch's annealing: the last epochs on all the data)
    plan.use = &all_;
  } else if (infobatch || rs2) {
    Stopwatch sc;
    st.current = infobatch ? infobatch_subset(st.prune_rng) : rs2_subset(k_, st.prune_rng);
    plan.selection_s = sc.seconds();
    ++st.selections;
    plan.phase = "subset";
    plan.use = &st.current;
  } else if (sched_.warmup < e && e < sched_.select_after) {
    plan.phase = "skipped";  // CORDS' warm start: the rest of the first kappa*T epochs is skipped
  } else if (e < sched_.warmup) {
    plan.phase = "warm-full";
    plan.use = &all_;
  } else {
    plan.phase = "subset";
    const bool first_once = !kind_->adaptive && st.current.indices.empty();  // facloc-embed: once, at the start
    if (first_once || sched_.selects_at(e)) {
      Stopwatch sc;
      if (lead_) st.current = select(o_.seed + 100 + static_cast<std::uint64_t>(e));
      sync_subset(st.current);
      plan.selection_s = sc.seconds();
      ++st.selections;
      plan.phase = "selection";
    }
    plan.use = &st.current;
  }
  return plan;
}

// Rank 0 after an epoch: evaluation (not timed; a skipped epoch left the model as the last evaluation saw it), the
// epoch's record, the checkpoint, then the progress line (what it reports is on disk).
void Run::record_epoch(int e, const EpochPlan& plan, const EpochResult& r, LoopState& st, const ProgressFn& progress) {
  Eval& val = st.val;
  Eval& test = st.test;
  if (plan.use || st.epochs.empty()) {
    val = evaluate(data_.val);
    test = evaluate(data_.test);
  }
  double wsum = 0;
  if (plan.use) wsum = std::accumulate(plan.use->weights.begin(), plan.use->weights.end(), 0.0);
  json ep = {{"epoch", e + 1},
             {"phase", plan.phase},
             {"examples", r.seen},
             {"lr", r.lr},
             {"train_loss", r.seen > 0 && wsum > 0 ? r.loss_sum / wsum : 0.0},
             {"val_accuracy", val.accuracy},
             {"val_loss", val.loss},
             {"test_accuracy", test.accuracy},
             {"test_loss", test.loss},
             {"epoch_time_s", r.seconds},
             {"selection_time_s", plan.selection_s},
             {"train_time_s", st.train_time}};
  st.epochs.push_back(ep);
  st.next_epoch = e + 1;
  if (!checkpoint_.empty()) save_checkpoint(st);
  if (!progress) return;
  char line[256];
  char of[48];
  if (timed())
    std::snprintf(of, sizeof of, " (%.0f/%.0f s)", st.train_time, o_.budget_time);
  else
    std::snprintf(of, sizeof of, "/%d", sched_.T);
  std::snprintf(
      line, sizeof line, "epoch %d%s %-9s %6lld ex  loss %.4f  val %.2f%%  test %.2f%%  %.1f s%s", e + 1, of,
      plan.phase.c_str(), static_cast<long long>(r.seen), ep["train_loss"].get<double>(), 100 * val.accuracy,
      100 * test.accuracy, r.seconds,
      plan.selection_s > 0 ? (" (selection " + std::to_string(plan.selection_s).substr(0, 5) + " s)").c_str() : "");
  progress(e + 1, sched_.T, line);
}

// Why the run's losses say it diverged ("" when they do not): a loss that became NaN, infinite or absurd
// (cross-entropy above 1e6: a learning rate far too large, a model that gives NaN). The run completed, but its
// accuracy is no result: metrics.json says so, and so does stderr.
static std::string divergence(const json& epochs) {
  for (const auto& ep : epochs)
    for (const char* key : {"train_loss", "test_loss"})
      if (!(ep.contains(key) && ep[key].is_number() && std::isfinite(ep[key].get<double>()) &&
            ep[key].get<double>() < 1e6))
        return std::string(key) + " is not a finite number below 1e6 at epoch " + std::to_string(ep.value("epoch", 0)) +
               ": the training diverged (a smaller " + param("lr") + ", or a model that gives finite outputs)";
  return "";
}

// The run's summary; rank 0 also writes metrics.json and runs/<label>.json, and removes its checkpoint.
// One piece: the run's summary and metrics.json, key by key as docs/formats.md lists them.
RunSummary Run::finish(const LoopState& st, const std::string& model_name, const std::string& label,
                       const std::string& never_note) {
  RunSummary r;
  r.strategy = o_.strategy;
  r.mode = kind_->modes.empty() ? "" : o_.mode;
  r.test_accuracy = st.test.accuracy;
  r.val_accuracy = st.val.accuracy;
  r.train_time_s = st.train_time;
  r.selection_time_s = st.selection_time;
  r.never_selected = !never_note.empty();
  r.epochs = static_cast<int>(st.epochs.size());
  if (!lead_) return r;
  const std::int64_t n = data_.train.size();
  const auto coverage =
      static_cast<double>(std::count(st.covered.begin(), st.covered.end(), 1)) / static_cast<double>(n);
  const bool all = kind_->picks == Picks::All;
  json m = {{"tool", "cords-summarize"},
            {"strategy", o_.strategy},
            {"mode", r.mode},
            {"dataset", o_.data.dataset},
            {"model", model_name},
            {"fraction", all ? 1.0 : o_.fraction},
            {"budget", all ? n : k_},
            {"epochs", timed() ? static_cast<int>(st.epochs.size()) : sched_.T},
            {"select_every", sched_.R},
            {"kappa", o_.kappa},
            {"batch_size", o_.batch},
            {"lr", o_.lr},
            {"momentum", o_.momentum},
            {"weight_decay", o_.weight_decay},
            {"nesterov", o_.nesterov},
            {"seed", o_.seed},
            {"device", device_.str()},
            {"threads", at::get_num_threads()},
            {"blas_core", openblas_core()},
            {"world_size", o_.world},
            {"train_size", n},
            {"val_size", data_.val.size()},
            {"test_size", data_.test.size()},
            {"classes", data_.train.classes},
            {"test_accuracy", st.test.accuracy},
            {"val_accuracy", st.val.accuracy},
            {"train_time_s", st.train_time},
            {"selection_time_s", st.selection_time},
            {"selections", st.selections},
            {"coverage", coverage},
            {"timing", "train_time_s = training + selection wall time, evaluation excluded (CORDS)"},
            {"per_epoch", st.epochs}};
  m["never_selected"] = r.never_selected;
  if (r.never_selected) m["note"] = never_note;
  const std::string diverged = divergence(st.epochs);
  m["diverged"] = !diverged.empty();
  if (!diverged.empty()) {
    m["divergence"] = diverged;
    if (!o_.quiet) std::fprintf(stderr, "cords-summarize train: warning: %s\n", diverged.c_str());
  }
  if (!fingerprint_.is_null()) m["options"] = fingerprint_;  // what --resume compares
  if (timed()) {
    m["budget_time_s"] = o_.budget_time;
    m["epoch_cap"] = sched_.T;
  }
  if (kind_->picks == Picks::InfoBatchScores) {
    m["prune_ratio"] = o_.prune_ratio;
    m["anneal"] = o_.anneal;
  }
  if (kind_->uses_lambda) m["lambda"] = o_.lambda;
  if (kind_->model_based) m["pool"] = o_.pool;
  if (kind_->picks == Picks::Embedding) m["encoder"] = o_.encoder;
  fs::create_directories(fs::path(o_.out) / "runs");
  const std::string text = json_text(m);
  r.metrics_path = (fs::path(o_.out) / "metrics.json").string();
  write_file_atomic(r.metrics_path, text);
  write_file_atomic((fs::path(o_.out) / "runs" / (label + ".json")).string(), text);
  if (!checkpoint_.empty()) {  // the run is complete and recorded: its checkpoint (ours) goes
    std::error_code ec;
    fs::remove(checkpoint_, ec);
  }
  return r;
}

// One piece: the run's steps in order (set-up, schedule, strategy, the epoch loop, finish), each a call.
RunSummary Run::go(const ProgressFn& progress) {
  comm_ = make_communicator(o_.store, o_.rank, o_.world);
  if (device_.is_cuda())  // the inputs live on the device for the whole run (labels stay on the host)
    for (TensorData* d : {&data_.train, &data_.val, &data_.test})
      if (d->size() > 0) d->x = d->x.to(device_);
  lead_ = !comm_ || comm_->rank() == 0;
  const std::int64_t n = data_.train.size();
  k_ = budget_of(n, o_.fraction);
  const std::string model_name = set_up_model();
  kind_ = &strategy_info(o_.strategy);
  sched_ = schedule();

  // A schedule that never reaches a selection (an interval longer than the run, or all of it in the warm start)
  // trains on the first random subset throughout: said on stderr now, and in metrics.json, instead of passing for
  // the strategy. (A timed run is judged at its end, below.)
  std::string never_note;
  if (kind_->adaptive && sched_.first >= sched_.T && !timed()) {
    never_note = o_.strategy + " selects every " + std::to_string(sched_.R) + " epochs, first at epoch " +
                 std::to_string(sched_.first + 1) + ", but the run has " + std::to_string(sched_.T) +
                 ": it never selects and trains on its first random subset (a random run)";
    if (lead_ && !o_.quiet)
      std::fprintf(stderr, "cords-summarize train: warning: %s; use a smaller --select-every or more --epochs\n",
                   never_note.c_str());
  }

  all_.indices.resize(static_cast<std::size_t>(n));
  std::iota(all_.indices.begin(), all_.indices.end(), 0);
  all_.weights.assign(static_cast<std::size_t>(n), 1.0f);
  LoopState st(o_.seed, n);
  set_up_strategy(st);
  const std::string label = run_label(o_.strategy, kind_->modes.empty() ? "" : o_.mode) + warm_tag(o_.kappa) + "-seed" +
                            std::to_string(o_.seed);
  if (!comm_) {  // checkpoints: one process only
    checkpoint_ = (fs::path(o_.out) / "checkpoints" / (label + ".pt")).string();
    fingerprint_ = fingerprint(model_name);
    if (o_.resume) {
      if (auto done = completed_run(label)) return *done;
      if (load_checkpoint(st) && !o_.quiet)
        std::fprintf(stderr, "cords-summarize train: resuming %s after epoch %d of %d (%s)\n", label.c_str(),
                     st.next_epoch, sched_.T, checkpoint_.c_str());
    }
  }
  for (int e = st.next_epoch; e < sched_.T; ++e) {
    spent_before_ = st.train_time;
    epoch_clock_ = Stopwatch();
    // --budget-time: every run gets the same train time (training + selection, evaluation excluded), and stops
    // before an epoch that would end past the budget by more than half of it (so the budget is overrun or left
    // unused by at most half an epoch, either way), estimated from the last epoch.
    if (timed() && !st.epochs.empty() &&
        st.train_time + next_epoch_estimate(st, sched_.selects_at(e)) / 2 > o_.budget_time)
      break;
    // Cosine annealing, T_max = epochs or the time budget (RS2: per step, over the steps of all rounds; this is the
    // round's first).
    EpochResult r;
    r.lr = step_lr_ ? step_lr_(steps_)
                    : cosine(timed() ? st.train_time / o_.budget_time : static_cast<double>(e) / sched_.T);
    for (auto& group : opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(r.lr);
    const EpochPlan plan = plan_epoch(e, st);
    if (plan.use) {
      train_epoch(*plan.use, st.order_rng, r.loss_sum, r.seen);
      for (auto i : plan.use->indices) st.covered[static_cast<std::size_t>(i)] = 1;
    }
    if (device_.is_cuda()) torch::cuda::synchronize();
    r.seconds = epoch_clock_.seconds();
    st.train_time += r.seconds;
    st.selection_time += plan.selection_s;
    if (lead_) record_epoch(e, plan, r, st, progress);
  }
  if (timed() && kind_->adaptive && st.selections == 0) {  // (a fixed schedule was checked before the run)
    never_note = o_.strategy + " selects every " + std::to_string(sched_.R) + " epochs, first at epoch " +
                 std::to_string(sched_.first + 1) + ", but the " + std::to_string(o_.budget_time) +
                 " s budget allowed " + std::to_string(st.epochs.size()) +
                 ": it never selected and trained on its first random subset (a random run)";
    if (lead_ && !o_.quiet) std::fprintf(stderr, "cords-summarize train: warning: %s\n", never_note.c_str());
  }
  return finish(st, model_name, label, never_note);
}

}  // namespace

std::string warm_tag(double kappa) {
  if (!(kappa > 0)) return "";
  char b[32];
  std::snprintf(b, sizeof b, "-warm%g", kappa);
  return b;
}

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = table_names(strategy_table());
  return names;
}

std::string strategy_help() {
  std::vector<std::string> names, aliases;
  for (const auto& s : strategy_table()) {
    names.emplace_back(s.name);
    if (s.per_batch_alias) aliases.push_back(std::string(s.name) + "-pb");
  }
  return name_list(names, " | ") + " (" + name_list(aliases) + " = per-batch)";
}

TrainOptions with_defaults(TrainOptions o) {
  // CORDS type strings with a per-batch suffix.
  for (const auto& s : strategy_table())
    if (s.per_batch_alias && o.strategy == std::string(s.name) + "-pb") {
      o.strategy = s.name;
      if (o.mode.empty()) o.mode = "per-batch";
    }
  const StrategyInfo& info = strategy_info(o.strategy);
  if (o.mode.empty()) o.mode = info.modes.empty() ? "whole" : to_string(info.modes.front());  // (unused: "whole")
  const Mode mode = parse_mode(o.mode);
  if (!info.modes.empty() && std::find(info.modes.begin(), info.modes.end(), mode) == info.modes.end()) {
    std::string valid;
    for (Mode m : info.modes) valid += (valid.empty() ? "" : ", ") + to_string(m);
    throw invalid_argument(o.strategy + " has no " + o.mode + " mode (" + param("selection_mode") + "): it selects " +
                           valid);
  }
  if (!(o.budget_time >= 0 && std::isfinite(o.budget_time)))
    throw invalid_argument(param("budget_time") + " must be a number of seconds > 0");
  if (o.budget_time > 0 && o.kappa > 0)
    throw invalid_argument(param("budget_time") + " has no warm start (" + param("kappa") +
                           "): the run's length is not known up front");
  if (o.budget_time > 0 && o.world > 1)
    throw invalid_argument(param("budget_time") + " runs in one process (no " + param("world_size") + ")");
  if (o.epochs <= 0)
    o.epochs = o.budget_time > 0 ? 1000000 : o.data.dataset == "cifar10" || o.data.dataset == "folder" ? 300 : 200;
  if (o.select_every <= 0) o.select_every = mode == Mode::PerBatch ? info.select_every_per_batch : info.select_every;
  if (o.pool <= 0) o.pool = std::min(1.0, 2 * o.fraction);
  if (o.pool > 1) throw invalid_argument(param("pool") + " must be in (0, 1]");
  if (o.lambda < 0) o.lambda = info.uses_lambda && mode == Mode::PerBatch ? 0.0 : 0.5;
  if (!(o.kappa >= 0 && o.kappa < 1)) throw invalid_argument(param("kappa") + " must be in [0, 1)");
  if (!(o.prune_ratio >= 0 && o.prune_ratio < 1)) throw invalid_argument(param("prune_ratio") + " must be in [0, 1)");
  if (!(o.anneal > 0 && o.anneal <= 1)) throw invalid_argument(param("anneal") + " must be in (0, 1]");
  if (info.one_process && o.world > 1)
    throw invalid_argument(o.strategy + " runs in one process (no " + param("world_size") + ")");
  if (o.resume && o.world > 1)
    throw invalid_argument(param("resume") + " continues one process's run (no " + param("world_size") + ")");
  if (info.own_epoch_rule && o.kappa > 0)
    throw invalid_argument(o.strategy + " has no warm start (" + param("kappa") + ")");
  if (o.batch < 1) throw invalid_argument(param("batch_size") + " must be >= 1");
  if (!(o.lr > 0)) throw invalid_argument(param("lr") + " must be > 0");
  if (o.linear_layer != "auto" && o.linear_layer != "on" && o.linear_layer != "off")
    throw invalid_argument(param("linear_layer") + " must be auto, on or off");
  if (o.encoder != "pixels" && o.encoder != "model" && o.encoder != "cnn" && o.encoder.rfind("cnn:", 0) != 0)
    throw invalid_argument(param("encoder") + " must be pixels, model, cnn or cnn:PATH");
  budget_of(1000, o.fraction);  // checks the fraction
  if (o.out.empty()) throw invalid_argument("train needs -o OUT (a folder)");
  return o;
}

RunSummary run_training(const TrainOptions& opts, const std::function<void(int, int, const std::string&)>& progress) {
  const TrainOptions o = with_defaults(opts);
  if (o.threads > 0) at::set_num_threads(o.threads);
  accel::resolve_device(o.device);  // a bad --device fails before the data is read
  Run run(o, load_splits(o.data));
  return run.go(progress);
}

}  // namespace cords::train
