#include "cli/select_command.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/option_table.h"
#include "cords/core/blas_cpu.h"
#include "cords/core/error.h"
#include "cords/core/io.h"
#include "cords/core/output_file.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

namespace cords::cli {
namespace po = boost::program_options;
namespace sel = cords::select;

namespace {

std::string function_help() {
  std::string s = "Functions (--function NAME, or a weighted mixture \"0.7*facility-location+0.3*disparity-sum\"):\n";
  for (const auto& f : sel::function_registry())
    s += "  " + f.name + std::string(26 - std::min<std::size_t>(25, f.name.size()), ' ') + f.summary + "\n";
  s += "Optimizers (--optimizer NAME):\n";
  for (const auto& o : sel::optimizer_registry())
    s += "  " + o.name + std::string(26 - std::min<std::size_t>(25, o.name.size()), ' ') + o.summary + "\n";
  return s;
}

sel::KnnMethod parse_knn_method(const std::string& s) {
  if (s == "auto") return sel::KnnMethod::Auto;
  if (s == "exact") return sel::KnnMethod::Exact;
  if (s == "ivf") return sel::KnnMethod::Ivf;
  throw invalid_argument("unknown --knn-method '" + s + "'; valid: auto, exact, ivf");
}

// What the selection was asked for: the inputs as given, for the JSON report.
struct SelectRequest {
  std::string features, groups, costs, represented, metric;
  Index n = 0, d = 0, represented_rows = 0;
  long long knn = 0;
  unsigned long long seed = 0;
  double cost_budget = 0;
};

// The `select` JSON report (docs/formats.md; pinned by tests/golden/select.json).
nlohmann::json selection_json(const SelectRequest& r, const sel::SelectionConfig& cfg, const sel::SelectionReport& rep,
                              double load_s, double total_s) {
  nlohmann::json j;
  j["tool"] = "cords-summarize select";
  j["input"] = {{"features", r.features}, {"n", r.n}, {"d", r.d}};
  nlohmann::json params = {{"function", cfg.function},
                           {"metric", r.metric},
                           {"optimizer", r.costs.empty() ? cfg.optimizer : "cost-aware-lazy"},
                           {"budget", rep.budget},
                           {"knn", r.knn},
                           {"seed", r.seed},
                           {"epsilon", cfg.greedy.epsilon},
                           {"stop_if_zero_gain", cfg.greedy.stop_if_zero_gain},
                           {"stop_if_negative_gain", cfg.greedy.stop_if_negative_gain}};
  if (cfg.budget.kind() == sel::Budget::Kind::Fraction) params["fraction"] = cfg.budget.share();
  if (!r.groups.empty()) params["groups"] = r.groups;
  if (!r.represented.empty()) params["represented"] = {{"path", r.represented}, {"m", r.represented_rows}};
  if (!r.costs.empty()) {
    params["costs"] = r.costs;
    params["cost_budget"] = r.cost_budget;
  }
  j["parameters"] = params;
  j["function"] = {{"name", rep.function}, {"monotone", rep.traits.monotone}, {"submodular", rep.traits.submodular}};
  j["selected"] = rep.selection.selected;
  j["gains"] = rep.selection.gains;
  j["objective"] = rep.selection.objective;
  j["evaluations"] = rep.selection.evaluations;
  if (!rep.groups.empty()) {
    nlohmann::json g = nlohmann::json::array();
    for (const auto& gr : rep.groups)
      g.push_back({{"label", gr.label},
                   {"size", gr.size},
                   {"budget", gr.budget},
                   {"selected", gr.selected},
                   {"objective", gr.objective}});
    j["groups"] = g;
  }
  if (rep.used_knn) {
    j["knn"] = {{"k", r.knn}, {"exact", rep.knn.exact}, {"recall", rep.knn.recall}};
    if (!rep.knn.exact) j["knn"]["probes"] = cfg.knn_options.nprobe;
  }
  j["blas"] = openblas_core();  // the kernels the products ran on: their last bits follow them
  j["timings_s"] = {
      {"load", load_s}, {"kernel", rep.kernel_seconds}, {"optimize", rep.optimize_seconds}, {"total", total_s}};
  j["peak_memory_bytes"] = peak_rss_bytes();
  return j;
}

}  // namespace

namespace {

// The select command's options and what they fill.
struct SelectArgs {
  sel::SelectionConfig cfg;
  std::string features, output = "-", groups_path, costs_path, represented_path, metric = "cosine", knn_method = "auto",
                        concave = "sqrt";
  double cost_budget = 0.0, fraction = 0.0;
  long long budget = 0, knn = 0;
  unsigned long long seed = 0;
  long long threads = 0;
  bool quiet = false;
};

// The option table (one row per option: name, field, default, range or words, help).
std::unique_ptr<OptionTable> select_table(SelectArgs& a) {
  auto t = std::make_unique<OptionTable>(
      "select",
      "Usage: cords-summarize select --features X.npy (--budget K | --fraction F) [options]\n\n"
      "Selects a representative subset of the rows of an n x d matrix and writes it as JSON.");
  sel::SelectionConfig& cfg = a.cfg;
  (*t).value("features", &a.features, "FILE", "n x d float32/float64 .npy (C order) or CSV; row i = element i")
      .value("budget,k", &a.budget, "K", "number of elements to select", at_least(1), "")
      .value("fraction,f", &a.fraction, "F", "share of elements to select: k = ceil(F n)", over_to(0, 1), "")
      .choice("function", &cfg.function, "NAME", words_of(sel::function_registry()),
              "set function or weighted mixture \"0.7*facility-location+0.3*disparity-sum\" (see below)", true)
      .choice("metric", &a.metric, "M", sel::metric_name_list,
              "similarity (precomputed: --features is the n x n similarity, or n x m with the represented set as "
              "columns)")
      .value("represented", &a.represented_path, "FILE",
             "m x d features of the elements to represent, other than the ground set (facility-location)")
      .value("rbf-kw", &cfg.kernel.rbf_kw, "KW", "rbf width: s = exp(-d2 / (kw mean d2))", above(0))
      .choice("optimizer", &cfg.optimizer, "NAME", words_of(sel::optimizer_registry()), "optimizer (see below)")
      .value("knn", &a.knn, "K", "use a sparse kernel of K nearest neighbours (facility-location); 0 = dense",
             at_least(0))
      .choice(
          "knn-method", &a.knn_method, "M",
          [] {
            return std::vector<std::string>{"auto", "exact", "ivf"};
          },
          "nearest neighbours: exact or ivf (approximate, recall reported)")
      .value("knn-probes", &cfg.knn_options.nprobe, "P", "ivf: lists scanned per list; more = higher recall, slower",
             at_least(1))
      .value("groups", &a.groups_path, "FILE",
             "n integer labels (.npy or one per line): select per group, budget split by size")
      .value("costs", &a.costs_path, "FILE", "n positive costs: cost-aware greedy, needs --cost-budget")
      .value("cost-budget", &a.cost_budget, "B", "budget in cost units for --costs", above(0), "")
      .value("lambda", &cfg.params.lambda, "L", "graph-cut lambda")
      .value("regularizer", &cfg.params.regularizer, "R", "log-determinant r in log det(L_S + r I)")
      .choice(
          "concave", &cfg.params.concave, "G",
          [] {
            return std::vector<std::string>{"sqrt", "log1p", "inverse"};
          },
          "feature-based g")
      .value("alpha", &cfg.params.alpha, "A", "saturated-coverage alpha")
      .value("threshold", &cfg.params.threshold, "T", "set-cover: feature > threshold covers the concept")
      .value("epsilon", &cfg.greedy.epsilon, "E", "stochastic optimizers: sample (n/k) ln(1/eps)", sel::kEpsilonRange)
      .flag("stop-if-zero-gain", &cfg.greedy.stop_if_zero_gain, "stop when the best gain is <= 0")
      .flag("stop-if-negative-gain", &cfg.greedy.stop_if_negative_gain, "stop when the best gain is < 0")
      .value("seed", &a.seed, "S", "random seed (stochastic, random, IVF)")
      .value("threads", &a.threads, "N", "worker threads; 0 = all cores (at most the processors online)", at_least(0))
      .value("output,o", &a.output, "FILE", "JSON output file, - for stdout (written atomically)")
      .flag("quiet,q", &a.quiet, "no progress or timing lines on stderr")
      .epilog(function_help());
  return t;
}

int run_select(SelectArgs& a, const OptionTable& table);

}  // namespace

std::unique_ptr<OptionTable> select_options_for_docs() {
  static SelectArgs scratch;
  return select_table(scratch);
}

int run_select_command(int argc, char** argv) {
  SelectArgs a;
  const std::unique_ptr<OptionTable> table = select_table(a);
  if (!table->parse(argc, argv)) return 0;  // --help
  return run_select(a, *table);
}

namespace {

// One piece: the selection from the parsed options to the JSON, step by step (checks, inputs, selection, report).
int run_select(SelectArgs& a, const OptionTable& table) {
  sel::SelectionConfig& cfg = a.cfg;
  const std::string& features = a.features;
  const std::string& output = a.output;
  const std::string &groups_path = a.groups_path, &costs_path = a.costs_path, &represented_path = a.represented_path;
  const std::string& metric = a.metric;
  const double cost_budget = a.cost_budget;
  const long long knn = a.knn;
  const unsigned long long seed = a.seed;
  const bool quiet = a.quiet;
  if (features.empty()) throw invalid_argument("--features is required (see cords-summarize select --help)");
  const bool has_budget = table.given("budget"), has_fraction = table.given("fraction");
  cfg.budget = budget_option(has_budget, has_budget ? std::optional<long long>(a.budget) : std::nullopt,
                             has_fraction ? std::optional<double>(a.fraction) : std::nullopt);
  if (!has_budget && !has_fraction && costs_path.empty())
    throw invalid_argument("give --budget K or --fraction F (or --costs with --cost-budget)");
  if (!costs_path.empty() && !(cost_budget > 0)) throw invalid_argument("--costs needs --cost-budget B > 0");

  cfg.kernel.metric = sel::parse_metric(metric);
  cfg.knn = knn;
  cfg.knn_options.method = parse_knn_method(a.knn_method);
  cfg.knn_options.seed = seed;
  cfg.greedy.seed = seed;
  sel::make_optimizer(cfg.optimizer);  // fail fast on a bad name
  sel::check_function_spec(cfg.function);
  std::vector<std::string> inputs{features};
  for (const auto* p : {&groups_path, &costs_path, &represented_path})
    if (!p->empty()) inputs.push_back(*p);
  check_output_file(output, inputs);  // never the features file itself, a folder or a device to rename over
  sel::set_threads(resolve_threads(a.threads));

  Stopwatch total;
  Matrix x = read_matrix(features);
  std::vector<std::int64_t> groups;
  std::vector<double> costs;
  if (!groups_path.empty()) groups = read_labels(groups_path);
  if (!costs_path.empty()) costs = read_vector(costs_path);
  Matrix represented;
  if (!represented_path.empty()) {
    represented = read_matrix(represented_path);
    cfg.represented = represented.view();
  }
  const double load_s = total.seconds();
  info(quiet, "read " + std::to_string(x.rows()) + " x " + std::to_string(x.cols()) + " from " + features);

  Progress progress("selecting", quiet);
  cfg.greedy.progress = [&](Index done, Index all) { progress.update(done, all); };
  const sel::SelectionReport rep = sel::run_selection(x.view(), cfg, groups_path.empty() ? nullptr : &groups,
                                                      costs_path.empty() ? nullptr : &costs, cost_budget);
  progress.finish();

  SelectRequest req{features,           groups_path, costs_path, represented_path, metric, x.rows(), x.cols(),
                    represented.rows(), knn,         seed,       cost_budget};
  const nlohmann::json j = selection_json(req, cfg, rep, load_s, total.seconds());

  write_output_file(output, json_text(j), inputs);
  char line[256];
  std::snprintf(line, sizeof line, "selected %zu of %lld (objective %.6g) in %.2fs: kernel %.2fs, optimize %.2fs",
                rep.selection.selected.size(), static_cast<long long>(x.rows()), rep.selection.objective,
                total.seconds(), rep.kernel_seconds, rep.optimize_seconds);
  info(quiet, line);
  return 0;
}

}  // namespace
}  // namespace cords::cli
