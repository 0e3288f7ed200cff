#include "cords/train/strategy_table.h"

#include <algorithm>
#include <stdexcept>

#include "cords/core/error.h"

namespace cords::train {

Mode parse_mode(const std::string& s) {
  if (auto m = value_in(kModes, s)) return *m;
  throw invalid_argument("unknown selection mode '" + s +
                         "'; valid: per-class, per-class-per-gradient, per-batch, whole");
}

std::string to_string(Mode m) {
  return name_in(kModes, m);
}

LinearLayer parse_linear_layer(const std::string& s) {
  if (auto l = value_in(kLinearLayers, s)) return *l;
  throw invalid_argument(param("linear_layer") + " must be auto, on or off");
}

std::string to_string(LinearLayer l) {
  return name_in(kLinearLayers, l);
}

Encoder parse_encoder(const std::string& s) {
  Encoder e;
  if (s == "pixels") return e;
  if (s == "model") {
    e.kind = Encoder::Kind::Model;
    return e;
  }
  if (s == "cnn" || s.rfind("cnn:", 0) == 0) {
    e.kind = Encoder::Kind::Cnn;
    e.path = s.size() > 4 ? s.substr(4) : "";
    if (s.size() == 4) throw invalid_argument(param("encoder") + " cnn:PATH needs a path");
    return e;
  }
  throw invalid_argument(param("encoder") + " must be pixels, model, cnn or cnn:PATH");
}

std::string to_string(const Encoder& e) {
  switch (e.kind) {
    case Encoder::Kind::Pixels:
      return "pixels";
    case Encoder::Kind::Model:
      return "model";
    case Encoder::Kind::Cnn:
      return e.path.empty() ? "cnn" : "cnn:" + e.path;
  }
  return "pixels";
}

const std::vector<StrategyInfo>& strategy_table() {
  using M = Mode;
  // The selection modes each accepts, its default first.
  const std::vector<M> none, per_class{M::PerClass}, craig{M::PerClass, M::PerBatch, M::Whole},
      gradmatch{M::PerClassPerGradient, M::PerClass, M::PerBatch, M::Whole},
      glister{M::Whole, M::PerClass, M::PerBatch};
  // clang-format off
  static const std::vector<StrategyInfo> t = {
      // name           picks                   adapt  model  random alias  modes      R   R(pb) lambda linear own    1 proc loader
      {"full",          Picks::All,             false, false, false, false, none,      20, 20,   false, false, false, false, true},
      {"random",        Picks::Random,          false, false, true,  false, none,      20, 20,   false, false, false, false, true},
      {"random-online", Picks::Random,          true,  false, true,  false, none,      1,  1,    false, false, false, false, true},
      {"craig",         Picks::Craig,           true,  true,  true,  true,  craig,     20, 20,   false, false, false, false, true},
      {"gradmatch",     Picks::GradMatch,       true,  true,  true,  true,  gradmatch, 20, 1,    true,  true,  false, false, true},
      {"glister",       Picks::Glister,         true,  true,  true,  true,  glister,   20, 20,   false, false, false, false, true},
      {"facloc-embed",  Picks::Embedding,       false, false, false, false, per_class, 20, 20,   false, false, false, false, false},
      {"infobatch",     Picks::InfoBatchScores, false, false, false, false, none,      20, 20,   false, false, true,  true,  false},
      {"rs2",           Picks::Rs2Rounds,       false, false, false, false, none,      20, 20,   false, false, true,  false, true},
  };
  // clang-format on
  return t;
}

const StrategyInfo& strategy_info(const std::string& name) {
  for (const auto& s : strategy_table())
    if (name == s.name) return s;
  throw invalid_argument("unknown strategy '" + name + "'; valid: " + strategy_help());
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

StrategyChoice resolve_strategy(const std::string& name, std::optional<Mode> mode) {
  StrategyChoice c;
  for (const auto& s : strategy_table())  // CORDS type strings with a per-batch suffix
    if (s.per_batch_alias && name == std::string(s.name) + "-pb") {
      c.info = &s;
      if (!mode) mode = Mode::PerBatch;
    }
  if (!c.info) c.info = &strategy_info(name);
  const auto& modes = c.info->modes;
  c.mode = mode.value_or(modes.empty() ? Mode::Whole : modes.front());  // (unused: whole)
  if (!modes.empty() && std::find(modes.begin(), modes.end(), c.mode) == modes.end()) {
    std::string valid;
    for (Mode m : modes) valid += (valid.empty() ? "" : ", ") + to_string(m);
    throw invalid_argument(std::string(c.info->name) + " has no " + to_string(c.mode) + " mode (" +
                           param("selection_mode") + "): it selects " + valid);
  }
  return c;
}

int default_select_every(const StrategyChoice& c) {
  return c.mode == Mode::PerBatch ? c.info->select_every_per_batch : c.info->select_every;
}

double default_lambda(const StrategyChoice& c) {
  return c.info->uses_lambda && c.mode == Mode::PerBatch ? 0.0 : 0.5;
}

bool uses_linear_layer(const StrategyChoice& c, LinearLayer l) {
  return l == LinearLayer::On ||
         (l == LinearLayer::Auto && (c.info->linear_layer_by_default || c.mode == Mode::PerClassPerGradient));
}

const Range& train_range(const std::string& name) {
  const Range* r = range_in(kTrainRanges, name);
  if (!r) throw std::logic_error("no range for " + name);
  return *r;
}

}  // namespace cords::train
