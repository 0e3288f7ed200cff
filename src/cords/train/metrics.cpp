#include "cords/train/metrics.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "cords/core/atomic_file.h"
#include "cords/core/blas_cpu.h"
#include "cords/core/error.h"

namespace cords::train {
namespace fs = std::filesystem;
using json = nlohmann::json;

json run_fingerprint(const TrainOptions& o, const std::string& model_name, std::int64_t train_size) {
  return {{"dataset", o.data.dataset},
          {"limit", o.data.limit},
          {"val_fraction", o.data.val_fraction},
          {"train_size", train_size},
          {"model", model_name},
          {"strategy", o.strategy},
          {"mode", o.mode ? to_string(*o.mode) : ""},
          {"fraction", o.fraction},
          {"epochs", o.epochs},
          {"select_every", o.select_every},
          {"kappa", o.kappa},
          {"prune_ratio", o.prune_ratio},
          {"anneal", o.anneal},
          {"batch_size", o.batch},
          {"lr", o.lr},
          {"momentum", o.momentum},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov},
          {"lambda", o.lambda},
          {"linear_layer", to_string(o.linear_layer)},
          {"pool", o.pool},
          {"encoder", to_string(o.encoder)},
          {"seed", o.seed},
          {"budget_time", o.budget_time}};
}

json epoch_record(int e, const EpochPlan& plan, const EpochResult& r, const LoopState& st) {
  double wsum = 0;
  if (plan.use) wsum = std::accumulate(plan.use->weights.begin(), plan.use->weights.end(), 0.0);
  return {{"epoch", e + 1},
          {"phase", plan.phase},
          {"examples", r.seen},
          {"lr", r.lr},
          {"train_loss", r.seen > 0 && wsum > 0 ? r.loss_sum / wsum : 0.0},
          {"val_accuracy", st.val.accuracy},
          {"val_loss", st.val.loss},
          {"test_accuracy", st.test.accuracy},
          {"test_loss", st.test.loss},
          {"epoch_time_s", r.seconds},
          {"selection_time_s", plan.selection_s},
          {"train_time_s", st.train_time}};
}

std::string epoch_line(const TrainOptions& o, int epochs, const json& ep, const LoopState& st) {
  char line[256];
  char of[48];
  if (o.budget_time > 0)
    std::snprintf(of, sizeof of, " (%.0f/%.0f s)", st.train_time, o.budget_time);
  else
    std::snprintf(of, sizeof of, "/%d", epochs);
  const double sel = ep["selection_time_s"].get<double>();
  std::snprintf(line, sizeof line, "epoch %d%s %-9s %6lld ex  loss %.4f  val %.2f%%  test %.2f%%  %.1f s%s",
                ep["epoch"].get<int>(), of, ep["phase"].get<std::string>().c_str(),
                static_cast<long long>(ep["examples"].get<std::int64_t>()), ep["train_loss"].get<double>(),
                100 * st.val.accuracy, 100 * st.test.accuracy, ep["epoch_time_s"].get<double>(),
                sel > 0 ? (" (selection " + std::to_string(sel).substr(0, 5) + " s)").c_str() : "");
  return line;
}

// (Cross-entropy above 1e6: a learning rate far too large, a model that gives NaN.) The run completed, but its
// accuracy is no result: metrics.json says so, and so does stderr.
std::string divergence(const json& epochs) {
  for (const auto& ep : epochs)
    for (const char* key : {"train_loss", "test_loss"})
      if (!(ep.contains(key) && ep[key].is_number() && std::isfinite(ep[key].get<double>()) &&
            ep[key].get<double>() < 1e6))
        return std::string(key) + " is not a finite number below 1e6 at epoch " + std::to_string(ep.value("epoch", 0)) +
               ": the training diverged (a smaller " + param("lr") + ", or a model that gives finite outputs)";
  return "";
}

// Key by key as docs/formats.md lists them.
json metrics_json(const TrainOptions& o, const Splits& data, const LoopState& st, const RunFacts& f) {
  const std::int64_t n = data.train.size();
  const auto coverage =
      static_cast<double>(std::count(st.covered.begin(), st.covered.end(), 1)) / static_cast<double>(n);
  const bool timed = o.budget_time > 0;
  json m = {{"tool", "cords-summarize"},
            {"strategy", o.strategy},
            {"mode", f.mode},
            {"dataset", o.data.dataset},
            {"model", f.model_name},
            {"fraction", f.all_data ? 1.0 : o.fraction},
            {"budget", f.all_data ? n : f.budget},
            {"epochs", timed ? static_cast<int>(st.epochs.size()) : f.epochs},
            {"select_every", f.select_every},
            {"kappa", o.kappa},
            {"batch_size", o.batch},
            {"lr", o.lr},
            {"momentum", o.momentum},
            {"weight_decay", o.weight_decay},
            {"nesterov", o.nesterov},
            {"seed", o.seed},
            {"device", f.device},
            {"threads", at::get_num_threads()},
            {"blas_core", openblas_core()},
            {"world_size", o.world},
            {"train_size", n},
            {"val_size", data.val.size()},
            {"test_size", data.test.size()},
            {"classes", data.train.classes},
            {"test_accuracy", st.test.accuracy},
            {"val_accuracy", st.val.accuracy},
            {"train_time_s", st.train_time},
            {"selection_time_s", st.selection_time},
            {"selections", st.selections},
            {"coverage", coverage},
            {"timing", "train_time_s = training + selection wall time, evaluation excluded (CORDS)"},
            {"per_epoch", st.epochs}};
  if (timed) {
    m["budget_time_s"] = o.budget_time;
    m["epoch_cap"] = f.epochs;
  }
  return m;
}

std::optional<RunSummary> completed_run(const TrainOptions& o, const std::string& label, const std::string& checkpoint,
                                        const json& fingerprint) {
  std::error_code ec;
  const fs::path record = fs::path(o.out) / "runs" / (label + ".json");
  if (fs::exists(checkpoint, ec) || !fs::is_regular_file(record, ec)) return std::nullopt;
  std::ifstream in(record);
  std::stringstream text;
  text << in.rdbuf();
  const json m = json::parse(text.str(), nullptr, false);
  if (!m.is_object() || !m.contains("options") || m["options"] != fingerprint) return std::nullopt;
  RunSummary r;
  r.strategy = m.value("strategy", o.strategy);
  r.mode = m.value("mode", std::string());
  r.test_accuracy = m.value("test_accuracy", 0.0);
  r.val_accuracy = m.value("val_accuracy", 0.0);
  r.train_time_s = m.value("train_time_s", 0.0);
  r.selection_time_s = m.value("selection_time_s", 0.0);
  r.never_selected = m.value("never_selected", false);
  r.epochs = m.contains("per_epoch") ? static_cast<int>(m["per_epoch"].size()) : 0;
  r.metrics_path = (fs::path(o.out) / "metrics.json").string();
  write_file_atomic(r.metrics_path, text.str());
  if (!o.quiet)
    std::fprintf(stderr, "cords-summarize train: --resume: %s is complete (%s), not run again\n", label.c_str(),
                 record.string().c_str());
  return r;
}

}  // namespace cords::train
