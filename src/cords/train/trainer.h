#pragma once
// `cords-summarize train`: subset training in the style of CORDS (docs/training.md). Loads a dataset, trains a
// model on subsets chosen by a strategy on CORDS' schedule (warm start kappa, selection every R epochs), and
// writes OUT/metrics.json (and OUT/runs/<strategy>-seed<S>.json, OUT/accuracy.png). Timing as CORDS defines it:
// training plus selection wall time, evaluation excluded.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cords/train/data.h"
#include "cords/train/strategy_table.h"

namespace cords::train {

struct TrainOptions {
  DataOptions data;
  std::string model;  ///< empty: the dataset's default
  std::string strategy =
      "full";  ///< full | random | random-online | craig | gradmatch | glister | facloc-embed | infobatch | rs2
  std::optional<Mode> mode;  ///< selection mode; none: the strategy's CORDS default
  double fraction = 0.1;
  int epochs = 0;  ///< 0: CORDS' default for the dataset (with budget_time: no cap)
  /// > 0: equal-time mode: train until this many seconds of train time (training + selection, evaluation excluded)
  /// are spent, stopping before an epoch that would overrun it by more than half; the cosine learning rate,
  /// InfoBatch's annealing and RS2's per-step rate follow the share of the budget spent. epochs caps the epochs.
  double budget_time = 0;
  int select_every = 0;      ///< 0: the strategy's CORDS default
  double kappa = 0.0;        ///< warm start share of the epochs
  double prune_ratio = 0.5;  ///< infobatch: share of the below-mean-loss examples left out each epoch
  double anneal = 0.875;     ///< infobatch: share of the epochs that prune (then full data to the end)
  int batch = 128;
  double lr = 0.05, momentum = 0.9, weight_decay = 5e-4;
  bool nesterov = true;
  double lambda = -1;                            ///< GradMatch ridge; < 0: CORDS' default for the mode
  LinearLayer linear_layer = LinearLayer::Auto;  ///< last-layer weight gradients in the selection signal
  double pool = 0;  ///< share of the train set whose gradients a selection computes; 0: min(1, 2 fraction)
  Encoder encoder;  ///< facloc-embed: the inputs, the model, the bundled video CNN or a TorchScript CNN
  std::string device = "auto";
  std::uint64_t seed = 0;
  int threads = 0;  ///< intra-op threads; 0 = all cores
  std::string out;  ///< output folder
  bool quiet = false;
  /// Continue from OUT/checkpoints/<run>.pt (written after every epoch, removed when the run completes) when it
  /// exists; the result is the uninterrupted run's (same metrics up to timing). One process only.
  bool resume = false;
  // Data parallel (c10d): world > 1 runs one process per rank, rendezvous through a file store.
  int world = 1, rank = 0;
  std::string store;  ///< FileStore path shared by the ranks
};

/// The outcome of one run (what metrics.json holds, in short).
struct RunSummary {
  std::string strategy, mode;
  double test_accuracy = 0, val_accuracy = 0, train_time_s = 0, selection_time_s = 0;
  bool never_selected = false;  ///< an adaptive strategy whose schedule never reached a selection (a random run)
  int epochs = 0;               ///< epochs run (with budget_time: as many as the budget allowed)
  std::string metrics_path;
};

/// What a run's file and folder names add for a warm start, so that it does not replace the cold run of the same
/// strategy and seed in a shared OUT: "-warm0.5" for kappa 0.5, empty for none.
std::string warm_tag(double kappa);

/// Fills CORDS' defaults into the fields left at 0/empty (documented in docs/training.md): a -pb alias becomes its
/// strategy and the per-batch mode, and the mode is always set. Throws for bad values.
TrainOptions with_defaults(TrainOptions o);

/// Refuses (Error{InvalidArgument}, with the fewest epochs that would do) an adaptive strategy whose schedule cannot
/// select within --epochs: such a run is a random run under the strategy's name. Timed runs (--budget-time) are not
/// checked (their epochs are not known before).
void check_schedule(const TrainOptions& opts);

/// Runs one training. `progress(epoch, epochs, line)` is called after each epoch (may be empty).
RunSummary run_training(const TrainOptions& opts,
                        const std::function<void(int, int, const std::string&)>& progress = {});

/// Draws OUT/accuracy.png (test accuracy against training wall time, one line per run in OUT/runs/). False when
/// this build cannot draw (no OpenCV) or there is nothing to draw.
bool write_accuracy_plot(const std::string& out_dir);

}  // namespace cords::train
