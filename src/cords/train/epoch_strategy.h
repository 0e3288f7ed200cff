#pragma once
// The training strategies as objects (docs/architecture.md, "Training"): each decides what every epoch trains on,
// owns its state (InfoBatch's losses, RS2's order) and lists that state's checkpoint fields. The trainer's loop
// knows none of them by name: it asks the strategy for the epoch's plan, trains, and records.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cords/train/checkpoint.h"
#include "cords/train/data.h"
#include "cords/train/dist.h"
#include "cords/train/loop.h"
#include "cords/train/signals.h"
#include "cords/train/trainer.h"

namespace cords::train {

/// What a strategy reads of the run (owned by the trainer; outlives the strategy).
struct TrainContext {
  const TrainOptions& o;
  StrategyChoice choice;
  Splits& data;
  ModelOn model;
  std::int64_t k = 0;            ///< the subset size
  bool lead = true;              ///< rank 0 (or the only process): selects
  Communicator* comm = nullptr;  ///< several ranks: rank 0's subsets go to every rank
  const Subset& all;             ///< every train example, weight 1
  const Schedule& sched;
  std::function<double()> spent;  ///< --budget-time: the train time spent so far (0 without)
  /// Cosine annealing of the learning rate over the share f of the run.
  double cosine(double f) const;
  bool timed() const { return o.budget_time > 0; }
  /// Rank 0's subset to every rank (nothing with one process).
  void sync(Subset& s) const;
};

class EpochStrategy {
 public:
  explicit EpochStrategy(const TrainContext& c) : c_(c) {}
  virtual ~EpochStrategy() = default;
  EpochStrategy(const EpochStrategy&) = delete;
  EpochStrategy& operator=(const EpochStrategy&) = delete;

  /// Before the first epoch (also before a checkpoint is read over the state).
  virtual void start(LoopState& st) { (void)st; }
  /// Epoch e's data: all of it, a subset chosen now (its selection time measured), the current one, or none.
  virtual EpochPlan plan(int e, LoopState& st) = 0;
  /// A learning rate for each optimizer step (RS2); none: one per epoch, the loop's cosine.
  virtual std::optional<double> step_lr(std::int64_t step) const {
    (void)step;
    return std::nullopt;
  }
  /// Where the trainer writes each trained example's loss (InfoBatch; a tensor of N on the device), or none.
  virtual at::Tensor* loss_scores() { return nullptr; }
  /// The strategy's own checkpoint fields (one list for save and load).
  virtual void fields(CheckpointIO& io) { (void)io; }
  /// The strategy's own keys in metrics.json.
  virtual void describe(nlohmann::json& metrics) const { (void)metrics; }

 protected:
  const TrainContext& c_;
};

/// The strategy of c.choice.
std::unique_ptr<EpochStrategy> make_strategy(const TrainContext& c);

}  // namespace cords::train
