#pragma once
// The training strategies as data (docs/training.md has the same table): one row per strategy with everything the
// trainer, the CLI and the Python loaders (cords_summarize.torch) decide by its name, and the enums of the options
// that steer them. No ATen here: the CLI's help and the Python module read it too.
#include <optional>
#include <string>
#include <vector>

#include "cords/core/names.h"
#include "cords/core/range.h"

namespace cords::train {

/// Where selection happens: per class (budget split by class size), per class on the class's own last-layer
/// parameters (GradMatch "PerClassPerGradient"), per mini-batch of the sequential train order (whole batches are
/// chosen), or over the whole set.
enum class Mode { PerClass, PerClassPerGradient, PerBatch, Whole };
inline constexpr Named<Mode> kModes[] = {{Mode::PerClass, "per-class"},
                                         {Mode::PerClassPerGradient, "per-class-per-gradient"},
                                         {Mode::PerBatch, "per-batch"},
                                         {Mode::Whole, "whole"}};
Mode parse_mode(const std::string& s);  ///< per-class | per-class-per-gradient | per-batch | whole; throws
std::string to_string(Mode m);

/// Whether a selection's signal has the last layer's C x D weight gradients (auto: the strategy's default).
enum class LinearLayer { Auto, On, Off };
inline constexpr Named<LinearLayer> kLinearLayers[] = {
    {LinearLayer::Auto, "auto"}, {LinearLayer::On, "on"}, {LinearLayer::Off, "off"}};
LinearLayer parse_linear_layer(const std::string& s);  ///< auto | on | off; throws
std::string to_string(LinearLayer l);

/// facloc-embed's embedding of the train set: the inputs (pixels), the model's own embedding at the start, or a
/// fixed image CNN (the bundled video model, or a TorchScript file).
struct Encoder {
  enum class Kind { Pixels, Model, Cnn };
  Kind kind = Kind::Pixels;
  std::string path;  ///< Cnn: the model file; empty: the bundled one
  bool operator==(const Encoder& o) const { return kind == o.kind && path == o.path; }
};
Encoder parse_encoder(const std::string& s);  ///< pixels | model | cnn | cnn:PATH; throws
std::string to_string(const Encoder& e);      ///< as parse_encoder reads it

/// How a strategy chooses its subset.
enum class Picks { All, Random, Embedding, Craig, GradMatch, Glister, InfoBatchScores, Rs2Rounds };
inline constexpr Named<Picks> kPicks[] = {{Picks::All, "all"},
                                          {Picks::Random, "random"},
                                          {Picks::Embedding, "embedding"},
                                          {Picks::Craig, "craig"},
                                          {Picks::GradMatch, "gradmatch"},
                                          {Picks::Glister, "glister"},
                                          {Picks::InfoBatchScores, "infobatch-scores"},
                                          {Picks::Rs2Rounds, "rs2-rounds"}};

struct StrategyInfo {
  const char* name;
  Picks picks;
  bool adaptive;                 ///< reselects on CORDS' schedule (select_every, kappa)
  bool model_based;              ///< selects from the live model's gradients (the pool and the mode apply)
  bool starts_random;            ///< trains on a random subset until its first selection (CORDS)
  bool per_batch_alias;          ///< "<name>-pb" = the per-batch mode (CORDS' type strings)
  std::vector<Mode> modes;       ///< accepted selection modes, the default first; empty: the mode is unused
  int select_every;              ///< CORDS' default R
  int select_every_per_batch;    ///< ... in the per-batch mode
  bool uses_lambda;              ///< GradMatch's ridge (its default: 0 per batch, else 0.5)
  bool linear_layer_by_default;  ///< LinearLayer::Auto: last-layer weight gradients in the signal
  bool own_epoch_rule;           ///< infobatch, rs2: choose every epoch by their own rule (no warm start)
  bool one_process;              ///< no --world-size
  bool in_loader;                ///< offered by the Python AdaptiveLoader (cords_summarize.torch)
};

const std::vector<StrategyInfo>& strategy_table();
/// The row of `name` (no -pb alias); throws InvalidArgument naming the valid ones.
const StrategyInfo& strategy_info(const std::string& name);
/// Valid strategy names.
const std::vector<std::string>& strategy_names();
/// "full | random | ... (craig-pb, ... = per-batch)": the strategies as --help and errors list them.
std::string strategy_help();

/// A strategy name as the user gave it (a -pb alias included) and the mode (none: the strategy's default), resolved
/// and checked: the row, and the mode it selects in (Whole for the strategies without modes).
struct StrategyChoice {
  const StrategyInfo* info = nullptr;
  Mode mode = Mode::Whole;
};
StrategyChoice resolve_strategy(const std::string& name, std::optional<Mode> mode);

/// CORDS' defaults that depend on the strategy and the mode.
int default_select_every(const StrategyChoice& c);
double default_lambda(const StrategyChoice& c);
bool uses_linear_layer(const StrategyChoice& c, LinearLayer l);

/// The ranges of TrainOptions' numbers, by parameter name: with_defaults checks them (after filling the defaults),
/// and the CLI's option table shows them (one range, written here).
inline constexpr RangeRow kTrainRanges[] = {
    {"fraction", over_to(0, 1)},
    {"epochs", at_least(1)},
    {"select_every", at_least(1)},
    {"kappa", from_below(0, 1, "warm start: share of the epochs")},
    {"prune_ratio", from_below(0, 1)},
    {"anneal", over_to(0, 1)},
    {"batch_size", at_least(1)},
    {"lr", above(0)},
    {"pool", over_to(0, 1)},
    {"budget_time", at_least(0, "seconds; 0: no time budget")},
    {"threads", at_least(0, "0 = all cores")},
};
/// The range of `name` in kTrainRanges.
const Range& train_range(const std::string& name);

}  // namespace cords::train
