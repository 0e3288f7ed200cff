#include "cords/train/epoch_strategy.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cords/core/check.h"
#include "cords/core/timer.h"

namespace cords::train {

double TrainContext::cosine(double f) const {
  return 0.5 * o.lr * (1.0 + std::cos(M_PI * std::min(1.0, f)));
}

void TrainContext::sync(Subset& s) const {
  if (!comm) return;
  at::Tensor size = at::tensor(std::vector<std::int64_t>{static_cast<std::int64_t>(s.indices.size())}, at::kLong);
  comm->broadcast(size, 0);
  const std::int64_t m = size.item<std::int64_t>();
  at::Tensor idx = comm->rank() == 0 ? at::tensor(s.indices, at::kLong) : at::empty({m}, at::kLong);
  at::Tensor w = comm->rank() == 0 ? at::tensor(s.weights, at::kFloat) : at::empty({m}, at::kFloat);
  comm->broadcast(idx, 0);
  comm->broadcast(w, 0);
  s.indices.assign(idx.data_ptr<std::int64_t>(), idx.data_ptr<std::int64_t>() + m);
  s.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + m);
}

namespace {

// full: every epoch on all the data.
class FullData final : public EpochStrategy {
 public:
  using EpochStrategy::EpochStrategy;
  EpochPlan plan(int, LoopState&) override { return {"full", &c_.all, 0}; }
};

// random, random-online, craig, gradmatch, glister, facloc-embed: a subset chosen on CORDS' schedule (adaptive: every
// R epochs after the warm start, starting from a random subset; fixed: once, at the start).
class ScheduledSubset final : public EpochStrategy {
 public:
  using EpochStrategy::EpochStrategy;

  void start(LoopState& st) override {
    if (!c_.choice.info->starts_random) return;
    st.current = random_subset(c_.data.train.size(), c_.k, c_.o.seed + 1);  // CORDS: adaptive ones start random
    c_.sync(st.current);
  }

  EpochPlan plan(int e, LoopState& st) override {
    const Schedule& s = c_.sched;
    if (s.warmup < e && e < s.select_after) return {"skipped", nullptr, 0};  // the rest of the warm start
    if (e < s.warmup) return {"warm-full", &c_.all, 0};
    EpochPlan plan{"subset", &st.current, 0};
    const bool first_once = !c_.choice.info->adaptive && st.current.indices.empty();  // facloc-embed: at the start
    if (first_once || s.selects_at(e)) {
      Stopwatch sc;
      if (c_.lead) st.current = choose(c_.o.seed + 100 + static_cast<std::uint64_t>(e));
      c_.sync(st.current);
      plan.selection_s = sc.seconds();
      ++st.selections;
      plan.phase = "selection";
    }
    return plan;
  }

  void describe(nlohmann::json& m) const override {
    if (c_.choice.info->uses_lambda) m["lambda"] = c_.o.lambda;
    if (c_.choice.info->model_based) m["pool"] = c_.o.pool;
    if (c_.choice.info->picks == Picks::Embedding) m["encoder"] = to_string(c_.o.encoder);
  }

 private:
  Subset choose(std::uint64_t seed) const {
    const std::int64_t n = c_.data.train.size();
    const Picks picks = c_.choice.info->picks;
    if (picks == Picks::Random) return random_subset(n, c_.k, seed);
    if (picks == Picks::Embedding)
      return facloc_embed(train_embeddings(c_.o.encoder, c_.model, c_.data, c_.o.device), c_.data.train.y,
                          c_.data.train.classes, c_.k);
    const Mode mode = c_.choice.mode;
    const bool per_batch = mode == Mode::PerBatch;
    const std::vector<std::int64_t> pool =
        candidate_pool(n, c_.o.batch, c_.o.pool, per_batch, seed ^ 0x9e3779b97f4a7c15ULL);
    const Gradients g = last_layer_gradients(c_.model, c_.data.train, pool, c_.o.batch,
                                             uses_linear_layer(c_.choice, c_.o.linear_layer), per_batch);
    Subset chosen;
    switch (picks) {
      case Picks::Craig:
        chosen = craig(g, c_.k, mode);
        break;
      case Picks::GradMatch:
        chosen = gradmatch(g, c_.k, mode, c_.o.lambda, seed);
        break;
      case Picks::Glister:
        chosen = glister(g, validation_state(c_.model, c_.data), c_.k, mode, c_.o.lr, seed);
        break;
      default:
        CORDS_CHECK(false, std::string("no gradient rule for ") + c_.choice.info->name);
    }
    for (auto& i : chosen.indices) i = pool[static_cast<std::size_t>(i)];  // pool positions -> train indices
    return chosen;
  }
};

// InfoBatch (Qin et al., ICLR 2024): the examples whose last loss is below the mean are "well learned"; each is
// left out with probability prune_ratio, and those kept count 1 / (1 - prune_ratio) in the loss (averaged over the
// batch), so the expected gradient is the full data's. The others are always kept. The last (1 - anneal) of the
// run trains on all the data.
class InfoBatch final : public EpochStrategy {
 public:
  using EpochStrategy::EpochStrategy;

  void start(LoopState&) override {
    // Each example's loss when it was last trained (1 before: nothing is below the mean in epoch 1). On the
    // training device (no host sync per step); read once per epoch.
    scores_ = at::ones({c_.data.train.size()}, at::TensorOptions().dtype(at::kFloat).device(c_.model.device));
  }

  EpochPlan plan(int e, LoopState& st) override {
    const double a = c_.o.anneal;
    const bool annealed =
        c_.timed() ? st.train_time >= a * c_.o.budget_time : e >= static_cast<int>(std::ceil(a * c_.sched.T));
    if (annealed) return {"full", &c_.all, 0};
    Stopwatch sc;
    st.current = prune(st.prune_rng);
    ++st.selections;
    return {"subset", &st.current, sc.seconds()};
  }

  at::Tensor* loss_scores() override { return &scores_; }
  void fields(CheckpointIO& io) override { io.tensor("scores", scores_); }
  void describe(nlohmann::json& m) const override {
    m["prune_ratio"] = c_.o.prune_ratio;
    m["anneal"] = c_.o.anneal;
  }

 private:
  Subset prune(Rng& rng) const {
    const at::Tensor host = scores_.to(at::kCPU).contiguous();
    const float* sc = host.data_ptr<float>();
    const auto count = static_cast<std::size_t>(host.numel());
    const double mean = std::accumulate(sc, sc + count, 0.0) / static_cast<double>(count);
    const double r = c_.o.prune_ratio;
    Subset s;
    s.per_count = true;
    for (std::size_t i = 0; i < count; ++i) {
      if (sc[i] < mean && rng.uniform01() < r) continue;
      s.indices.push_back(static_cast<std::int64_t>(i));
      s.weights.push_back(sc[i] < mean ? static_cast<float>(1.0 / (1.0 - r)) : 1.0f);
    }
    return s;
  }

  at::Tensor scores_;
};

// RS2 (Okanovic et al., 2023): each round trains on the next k examples of a random order of the whole train set,
// so every example is seen once before any is seen twice; the order is drawn again when it runs out. The learning
// rate follows the steps taken (cosine over T rounds' steps) or the time budget.
class Rs2 final : public EpochStrategy {
 public:
  using EpochStrategy::EpochStrategy;

  EpochPlan plan(int, LoopState& st) override {
    Stopwatch sc;
    st.current = round(st.prune_rng);
    ++st.selections;
    return {"subset", &st.current, sc.seconds()};
  }

  std::optional<double> step_lr(std::int64_t step) const override {
    if (c_.timed()) return c_.cosine(c_.spent() / c_.o.budget_time);
    const std::int64_t total = static_cast<std::int64_t>(c_.sched.T) * ((c_.k + c_.o.batch - 1) / c_.o.batch);
    return c_.cosine(static_cast<double>(step) / static_cast<double>(total));
  }

  void fields(CheckpointIO& io) override {
    const std::int64_t n = c_.data.train.size();
    io.longs("rs2_order", order_, 0, n - 1);
    std::int64_t next = static_cast<std::int64_t>(next_);
    io.integer("rs2_next", next, 0, static_cast<std::int64_t>(order_.size()));
    next_ = static_cast<std::size_t>(next);
  }

 private:
  Subset round(Rng& rng) {
    const std::int64_t n = c_.data.train.size();
    Subset s;
    while (static_cast<std::int64_t>(s.indices.size()) < c_.k) {
      if (next_ >= order_.size()) {
        order_ = rng.sample_without_replacement(n, n);
        next_ = 0;
      }
      s.indices.push_back(order_[next_++]);
    }
    std::sort(s.indices.begin(), s.indices.end());
    s.indices.erase(std::unique(s.indices.begin(), s.indices.end()), s.indices.end());  // (a reshuffle mid-round)
    s.weights.assign(s.indices.size(), 1.0f);
    return s;
  }

  std::vector<std::int64_t> order_;  // a permutation of the train set, taken k at a time
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<EpochStrategy> make_strategy(const TrainContext& c) {
  switch (c.choice.info->picks) {
    case Picks::All:
      return std::make_unique<FullData>(c);
    case Picks::InfoBatchScores:
      return std::make_unique<InfoBatch>(c);
    case Picks::Rs2Rounds:
      return std::make_unique<Rs2>(c);
    case Picks::Random:
    case Picks::Embedding:
    case Picks::Craig:
    case Picks::GradMatch:
    case Picks::Glister:
      break;
  }
  return std::make_unique<ScheduledSubset>(c);
}

}  // namespace cords::train
