#include "cli/select_command.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
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

// One piece: mostly the declarative option table; the report is selection_json.
int run_select_command(int argc, char** argv) {
  sel::SelectionConfig cfg;
  std::string features, output = "-", groups_path, costs_path, represented_path, metric = "cosine", knn_method = "auto";
  double cost_budget = 0.0, fraction = 0.0;
  long long budget = 0, knn = 0;
  unsigned long long seed = 0;
  long long threads = 0;
  bool quiet = false;

  po::options_description opts(
      "Usage: cords-summarize select --features X.npy (--budget K | --fraction F) [options]\n\n"
      "Selects a representative subset of the rows of an n x d matrix and writes it as JSON.\n\nOptions",
      kHelpWidth, kHelpWidth / 2);
  // clang-format off
  opts.add_options()
    ("help,h", "show this help")
    ("features", po::value(&features)->value_name("FILE"), "n x d float32/float64 .npy (C order) or CSV; row i = element i")
    ("budget,k", po::value(&budget)->value_name("K"), "number of elements to select")
    ("fraction,f", po::value(&fraction)->value_name("F"), "share of elements to select, in (0, 1]: k = ceil(F n)")
    ("function", po::value(&cfg.function)->default_value(cfg.function)->value_name("NAME"), "set function or weighted mixture (see below)")
    ("metric", po::value(&metric)->default_value(metric)->value_name("M"), "similarity: cosine | euclidean | rbf | dot | precomputed (--features is then the n x n similarity, or n x m with the represented set as columns)")
    ("represented", po::value(&represented_path)->value_name("FILE"), "m x d features of the elements to represent, other than the ground set (facility-location)")
    ("rbf-kw", po::value(&cfg.kernel.rbf_kw)->default_value(cfg.kernel.rbf_kw, fmt(cfg.kernel.rbf_kw))->value_name("KW"), "rbf width: s = exp(-d2 / (kw mean d2))")
    ("optimizer", po::value(&cfg.optimizer)->default_value(cfg.optimizer)->value_name("NAME"), "optimizer (see below)")
    ("knn", po::value(&knn)->default_value(0)->value_name("K"), "use a sparse kernel of K nearest neighbours (facility-location); 0 = dense")
    ("knn-method", po::value(&knn_method)->default_value(knn_method)->value_name("M"), "auto | exact | ivf (approximate, recall reported)")
    ("knn-probes", po::value(&cfg.knn_options.nprobe)->default_value(cfg.knn_options.nprobe)->value_name("P"), "ivf: lists scanned per list; more = higher recall, slower")
    ("groups", po::value(&groups_path)->value_name("FILE"), "n integer labels (.npy or one per line): select per group, budget split by size")
    ("costs", po::value(&costs_path)->value_name("FILE"), "n positive costs: cost-aware greedy, needs --cost-budget")
    ("cost-budget", po::value(&cost_budget)->value_name("B"), "budget in cost units for --costs")
    ("lambda", po::value(&cfg.params.lambda)->default_value(cfg.params.lambda, fmt(cfg.params.lambda)), "graph-cut lambda")
    ("regularizer", po::value(&cfg.params.regularizer)->default_value(cfg.params.regularizer, fmt(cfg.params.regularizer)), "log-determinant r in log det(L_S + r I)")
    ("concave", po::value(&cfg.params.concave)->default_value(cfg.params.concave), "feature-based g: sqrt | log1p | inverse")
    ("alpha", po::value(&cfg.params.alpha)->default_value(cfg.params.alpha, fmt(cfg.params.alpha)), "saturated-coverage alpha")
    ("threshold", po::value(&cfg.params.threshold)->default_value(cfg.params.threshold, fmt(cfg.params.threshold)), "set-cover: feature > threshold covers the concept")
    ("epsilon", po::value(&cfg.greedy.epsilon)->default_value(cfg.greedy.epsilon, fmt(cfg.greedy.epsilon)), "stochastic optimizers: sample (n/k) ln(1/eps)")
    ("stop-if-zero-gain", po::bool_switch(&cfg.greedy.stop_if_zero_gain), "stop when the best gain is <= 0")
    ("stop-if-negative-gain", po::bool_switch(&cfg.greedy.stop_if_negative_gain), "stop when the best gain is < 0")
    ("seed", po::value(&seed)->default_value(0), "random seed (stochastic, random, IVF)")
    ("threads", po::value(&threads)->default_value(0), "worker threads; 0 = all cores (at most the processors online)")
    ("output,o", po::value(&output)->default_value(output)->value_name("FILE"), "JSON output file, - for stdout (written atomically)")
    ("quiet,q", po::bool_switch(&quiet), "no progress or timing lines on stderr");
  // clang-format on

  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n" << function_help() << "\n" << exit_code_help();
    return 0;
  }
  po::notify(vm);
  if (features.empty()) throw invalid_argument("--features is required (see cords-summarize select --help)");
  cfg.budget =
      budget_option(vm.count("budget") > 0, vm.count("budget") ? std::optional<long long>(budget) : std::nullopt,
                    vm.count("fraction") ? std::optional<double>(fraction) : std::nullopt);
  if (!vm.count("budget") && !vm.count("fraction") && costs_path.empty())
    throw invalid_argument("give --budget K or --fraction F (or --costs with --cost-budget)");
  if (knn < 0) throw invalid_argument("--knn must be >= 0");
  if (cfg.knn_options.nprobe < 1) throw invalid_argument("--knn-probes must be >= 1");
  if (!costs_path.empty() && !(cost_budget > 0)) throw invalid_argument("--costs needs --cost-budget B > 0");

  cfg.kernel.metric = sel::parse_metric(metric);
  cfg.knn = knn;
  cfg.knn_options.method = parse_knn_method(knn_method);
  cfg.knn_options.seed = seed;
  cfg.greedy.seed = seed;
  sel::make_optimizer(cfg.optimizer);  // fail fast on a bad name
  sel::check_function_spec(cfg.function);
  std::vector<std::string> inputs{features};
  for (const auto* p : {&groups_path, &costs_path, &represented_path})
    if (!p->empty()) inputs.push_back(*p);
  check_output_file(output, inputs);  // never the features file itself, a folder or a device to rename over
  sel::set_threads(resolve_threads(threads));

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

}  // namespace cords::cli
