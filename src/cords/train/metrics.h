#pragma once
// What a training run records (docs/formats.md, "metrics.json"): each epoch's record and progress line, the run's
// metrics.json, the options a checkpoint must match (the fingerprint), and --resume of a run already complete.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cords/train/data.h"
#include "cords/train/loop.h"
#include "cords/train/trainer.h"

namespace cords::train {

/// What training one epoch gave.
struct EpochResult {
  double lr = 0, loss_sum = 0, seconds = 0;
  std::int64_t seen = 0;
};

/// The options a checkpoint must have been written with to be continued (what decides the run's result; not the
/// threads, the device or the output folder). `o` has its defaults filled in.
nlohmann::json run_fingerprint(const TrainOptions& o, const std::string& model_name, std::int64_t train_size);

/// Epoch e's record in metrics.json's per_epoch (e is 0-based; the record says e + 1).
nlohmann::json epoch_record(int e, const EpochPlan& plan, const EpochResult& r, const LoopState& st);

/// The progress line of that epoch ("epoch 3/20 selection ...").
std::string epoch_line(const TrainOptions& o, int epochs, const nlohmann::json& record, const LoopState& st);

/// Why the run's losses say it diverged ("" when they do not): a loss that became NaN, infinite or absurd.
std::string divergence(const nlohmann::json& epochs);

/// The facts of a run that metrics.json reports beside its options and its loop state.
struct RunFacts {
  std::string model_name, device;
  std::string mode;                  ///< the selection mode ("" for a strategy without modes)
  int epochs = 0, select_every = 0;  ///< the schedule's T and R
  std::int64_t budget = 0;           ///< the subset size k
  bool all_data = false;             ///< full: fraction 1, budget n
};

/// metrics.json's common keys (the strategy adds its own; the trainer adds the notes and the fingerprint).
nlohmann::json metrics_json(const TrainOptions& o, const Splits& data, const LoopState& st, const RunFacts& f);

/// --resume of a run that already completed with these options (no checkpoint left, OUT/runs/<label>.json records
/// them): its summary, and its record becomes OUT/metrics.json again. None: the run must be trained.
std::optional<RunSummary> completed_run(const TrainOptions& o, const std::string& label, const std::string& checkpoint,
                                        const nlohmann::json& fingerprint);

}  // namespace cords::train
