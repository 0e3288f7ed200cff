// cords_summarize._cords: the selector library for Python (pybind11). The package around it
// (python/cords_summarize/__init__.py) turns the result into a SelectionResult; this file only converts arrays,
// releases the GIL while selecting, and maps the library's errors to Python exceptions by their kind (exit code;
// error_kinds.h): invalid argument -> ValueError, unreadable input / unwritable output -> OSError, out of memory ->
// MemoryError, others cords_summarize.CordsError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "cords/core/blas_cpu.h"
#include "cords/core/error.h"
#include "cords/core/matrix.h"
#include "cords/core/timer.h"
#include "cords/select/kernel.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"
#include "cords/select/set_function.h"
#include "error_kinds.h"

namespace py = pybind11;
namespace sel = cords::select;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

void check_finite(const float* p, std::size_t count, std::size_t cols, const char* what) {
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(p[i]))
      throw cords::invalid_argument(std::string(what) + " holds " + (std::isnan(p[i]) ? "NaN" : "an infinite value") +
                                    " at row " + std::to_string(i / cols));
}

// The represented set's view (empty when none), after its shape checks.
cords::MatrixView represented_view(const std::optional<FloatArray>& r, cords::Index d) {
  if (!r) return {};
  if (r->ndim() != 2 || r->shape(0) <= 0 || r->shape(1) <= 0)
    throw cords::invalid_argument("represented must be a non-empty 2-D array (m x d)");
  if (r->shape(1) != d)
    throw cords::invalid_argument("represented has " + std::to_string(r->shape(1)) + " columns but x has " +
                                  std::to_string(d) + ": both need the same features");
  return cords::MatrixView{r->data(), static_cast<cords::Index>(r->shape(0)), d};
}

// The selection's report as the Python dict the module documents (docs/python.md).
py::dict report_dict(const sel::SelectionReport& rep, std::int64_t knn, double total_s) {
  py::dict out;
  out["selected"] = rep.selection.selected;
  out["gains"] = rep.selection.gains;
  out["objective"] = rep.selection.objective;
  out["evaluations"] = rep.selection.evaluations;
  py::dict fn;
  fn["name"] = rep.function;
  fn["monotone"] = rep.traits.monotone;
  fn["submodular"] = rep.traits.submodular;
  out["function"] = fn;
  out["budget"] = rep.budget;
  py::list gl;
  for (const auto& g : rep.groups) {
    py::dict gd;
    gd["label"] = g.label;
    gd["size"] = g.size;
    gd["budget"] = g.budget;
    gd["selected"] = g.selected;
    gd["objective"] = g.objective;
    gl.append(gd);
  }
  if (!rep.groups.empty()) out["groups"] = gl;
  if (rep.used_knn) {
    py::dict kd;
    kd["k"] = knn;
    kd["exact"] = rep.knn.exact;
    kd["recall"] = rep.knn.recall;
    out["knn"] = kd;
  }
  py::dict t;
  t["kernel"] = rep.kernel_seconds;
  t["optimize"] = rep.optimize_seconds;
  t["total"] = total_s;
  out["timings_s"] = t;
  return out;
}

// The Python arguments checked and converted one by one into the CLI's SelectionConfig.
py::dict run_select(const FloatArray& x, std::optional<std::int64_t> budget, std::optional<double> fraction,
                    const std::string& function, const std::string& metric, const std::string& optimizer,
                    std::optional<std::vector<std::int64_t>> groups, std::optional<std::vector<double>> costs,
                    double cost_budget, std::uint64_t seed, std::int64_t knn, int threads, double rbf_kw,
                    const sel::FunctionParams& params, double epsilon, const std::optional<FloatArray>& represented) {
  if (x.ndim() != 2)
    throw cords::invalid_argument("x must be a 2-D array (n x d), got " + std::to_string(x.ndim()) + "-D");
  const auto n = static_cast<cords::Index>(x.shape(0)), d = static_cast<cords::Index>(x.shape(1));
  if (n <= 0 || d <= 0) throw cords::invalid_argument("x is empty");
  if (budget.has_value() == fraction.has_value() && !(costs && cost_budget > 0))
    throw cords::invalid_argument("give exactly one of budget and fraction");
  const float* data = x.data();
  sel::SelectionConfig cfg;
  cfg.function = function;
  cfg.kernel.metric = sel::parse_metric(metric);
  cfg.kernel.rbf_kw = rbf_kw;
  cfg.params = params;
  cfg.optimizer = optimizer;
  if (budget) cfg.budget = sel::Budget::count(*budget);
  if (fraction) cfg.budget = sel::Budget::fraction(*fraction);
  cfg.knn = knn;
  cfg.knn_options.seed = seed;
  cfg.greedy.seed = seed;
  cfg.greedy.epsilon = epsilon;
  cfg.represented = represented_view(represented, d);
  sel::make_optimizer(cfg.optimizer);  // names checked before any work, as the CLI does
  sel::check_function_spec(cfg.function);
  if (groups && static_cast<cords::Index>(groups->size()) != n)
    throw cords::invalid_argument("groups must have one label per row of x (" + std::to_string(n) + "), got " +
                                  std::to_string(groups->size()));
  if (costs && static_cast<cords::Index>(costs->size()) != n)
    throw cords::invalid_argument("costs must have one value per row of x (" + std::to_string(n) + "), got " +
                                  std::to_string(costs->size()));
  sel::SelectionReport rep;
  double total_s = 0;
  {
    py::gil_scoped_release release;
    cords::Stopwatch total;
    check_finite(data, static_cast<std::size_t>(n) * static_cast<std::size_t>(d), static_cast<std::size_t>(d), "x");
    if (cfg.represented.rows > 0)
      check_finite(cfg.represented.data, static_cast<std::size_t>(cfg.represented.rows) * static_cast<std::size_t>(d),
                   static_cast<std::size_t>(d), "represented");
    sel::set_threads(threads);
    rep = sel::run_selection(cords::MatrixView{data, n, d}, cfg, groups ? &*groups : nullptr, costs ? &*costs : nullptr,
                             cost_budget);
    total_s = total.seconds();
  }
  return report_dict(rep, knn, total_s);
}

// The functions' parameters from their keyword arguments (both entry points take the same ones).
sel::FunctionParams function_params(double lambda, double regularizer, const std::string& concave, double alpha,
                                    double threshold) {
  sel::FunctionParams p;
  p.lambda = lambda;
  p.regularizer = regularizer;
  p.concave = concave;
  p.alpha = alpha;
  p.threshold = threshold;
  return p;
}

// A set function over its own copy of the features (the kernels it builds view them), for custom use from Python:
// evaluate any subset, the marginal gains of the current set, add to it.
class PySetFunction {
 public:
  PySetFunction(const FloatArray& x, const std::string& function, const std::string& metric, double rbf_kw,
                std::int64_t knn, const sel::FunctionParams& params, const std::optional<FloatArray>& represented) {
    if (x.ndim() != 2 || x.shape(0) <= 0 || x.shape(1) <= 0)
      throw cords::invalid_argument("x must be a non-empty 2-D array (n x d)");
    x_ = copy_of(x.data(), static_cast<cords::Index>(x.shape(0)), static_cast<cords::Index>(x.shape(1)), "x");
    const cords::MatrixView rv = represented_view(represented, x_.cols());
    if (rv.rows > 0) r_ = copy_of(rv.data, rv.rows, rv.cols, "represented");
    sel::KernelOptions k;
    k.metric = sel::parse_metric(metric);
    k.rbf_kw = rbf_kw;
    sel::check_function_spec(function);
    if (knn > 0 && rv.rows > 0) throw cords::invalid_argument("a represented set runs on the dense kernel: drop knn");
    inputs_ = std::make_unique<sel::FunctionInputs>(x_.view(), k, knn, sel::KnnOptions{},
                                                    rv.rows > 0 ? r_.view() : cords::MatrixView{});
    py::gil_scoped_release release;
    f_ = sel::make_function(function, *inputs_, params);
  }
  std::string name() const { return f_->name(); }
  cords::Index size() const { return f_->size(); }
  bool monotone() const { return f_->traits().monotone; }
  bool submodular() const { return f_->traits().submodular; }
  double evaluate(const std::vector<cords::Index>& subset) const {
    std::vector<char> seen(static_cast<std::size_t>(size()), 0);
    for (auto i : subset) {
      check(i);
      if (seen[static_cast<std::size_t>(i)]++)
        throw cords::invalid_argument("index " + std::to_string(i) + " appears twice");
    }
    py::gil_scoped_release release;
    return f_->evaluate(subset);
  }
  double marginal_gain(cords::Index i) const {
    check(i);
    if (f_->contains(i)) return 0.0;
    return f_->gain(i);
  }
  std::vector<double> marginal_gains(const std::vector<cords::Index>& candidates) const {
    for (auto i : candidates) {
      check(i);
      if (f_->contains(i)) throw cords::invalid_argument("index " + std::to_string(i) + " is already in the set");
    }
    std::vector<double> out(candidates.size());
    py::gil_scoped_release release;
    f_->gains(candidates.data(), static_cast<cords::Index>(candidates.size()), out.data());
    return out;
  }
  void add(cords::Index i) {
    check(i);
    if (f_->contains(i)) throw cords::invalid_argument("index " + std::to_string(i) + " is already in the set");
    f_->add(i);
  }
  void reset() { f_->reset(); }
  std::vector<cords::Index> selected() const { return f_->selected(); }
  double value() const { return f_->value(); }

 private:
  void check(cords::Index i) const {
    if (i < 0 || i >= size())
      throw cords::invalid_argument("index " + std::to_string(i) + " is outside [0, " + std::to_string(size()) + ")");
  }
  static cords::Matrix copy_of(const float* p, cords::Index rows, cords::Index cols, const char* what) {
    cords::Matrix m(rows, cols);
    std::copy(p, p + m.size(), m.data());
    check_finite(m.data(), m.size(), static_cast<std::size_t>(cols), what);
    return m;
  }
  cords::Matrix x_, r_;
  std::unique_ptr<sel::FunctionInputs> inputs_;
  std::unique_ptr<sel::SetFunction> f_;
};

}  // namespace

// cords_summarize.SetFunction (python/cords_summarize/__init__.py subclasses it).
static void bind_set_function(py::module_& m) {
  py::class_<PySetFunction>(m, "SetFunction", "A set function over a copy of x; see cords_summarize.SetFunction")
      .def(py::init([](const FloatArray& x, const std::string& function, const std::string& metric, double rbf_kw,
                       std::int64_t knn, double lambda, double regularizer, const std::string& concave, double alpha,
                       double threshold, const std::optional<FloatArray>& represented) {
             return std::make_unique<PySetFunction>(x, function, metric, rbf_kw, knn,
                                                    function_params(lambda, regularizer, concave, alpha, threshold),
                                                    represented);
           }),
           py::arg("x"), py::arg("function") = "facility-location", py::arg("metric") = "cosine",
           py::arg("rbf_kw") = sel::KernelOptions{}.rbf_kw, py::arg("knn") = 0,
           py::arg("lambda_") = sel::FunctionParams{}.lambda,
           py::arg("regularizer") = sel::FunctionParams{}.regularizer,
           py::arg("concave") = sel::FunctionParams{}.concave, py::arg("alpha") = sel::FunctionParams{}.alpha,
           py::arg("threshold") = sel::FunctionParams{}.threshold, py::arg("represented") = py::none())
      .def_property_readonly("name", &PySetFunction::name)
      .def_property_readonly("n", &PySetFunction::size)
      .def_property_readonly("monotone", &PySetFunction::monotone)
      .def_property_readonly("submodular", &PySetFunction::submodular)
      .def_property_readonly("selected", &PySetFunction::selected, "the current set S, in the order added")
      .def_property_readonly("value", &PySetFunction::value, "f(S) of the current set")
      .def("evaluate", &PySetFunction::evaluate, py::arg("subset"),
           "f(subset), from scratch (the current set is untouched)")
      .def("marginal_gain", &PySetFunction::marginal_gain, py::arg("i"),
           "f(S + i) - f(S) for the current set S (0 when i is in S)")
      .def("marginal_gains", &PySetFunction::marginal_gains, py::arg("candidates"),
           "marginal_gain of each candidate (none in S)")
      .def("add", &PySetFunction::add, py::arg("i"), "adds i to the current set")
      .def("reset", &PySetFunction::reset, "empties the current set");
}

PYBIND11_MODULE(_cords, m) {
  m.doc() = "cords-summarize's submodular selector library (C++), for cords_summarize.select";
  cords::tune_openblas_core();  // the executable's kernels (not SSE3 where OpenBLAS does not know the CPU)
  static py::exception<cords::Error> internal(m, "CordsError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cords::Error& e) {
      if (!cords::python::set_python_error(e)) internal(e.what());
    }
  });
  m.def("blas_core", &cords::openblas_core, "the OpenBLAS kernels in use (e.g. 'Haswell'), '' without OpenBLAS");
  m.def(
      "select",
      [](const FloatArray& x, std::optional<std::int64_t> budget, std::optional<double> fraction,
         const std::string& function, const std::string& metric, const std::string& optimizer,
         std::optional<std::vector<std::int64_t>> groups, std::optional<std::vector<double>> costs, double cost_budget,
         std::uint64_t seed, std::int64_t knn, int threads, double rbf_kw, double lambda, double regularizer,
         const std::string& concave, double alpha, double threshold, double epsilon,
         const std::optional<FloatArray>& represented) {
        return run_select(x, budget, fraction, function, metric, optimizer, std::move(groups), std::move(costs),
                          cost_budget, seed, knn, threads, rbf_kw,
                          function_params(lambda, regularizer, concave, alpha, threshold), epsilon, represented);
      },
      py::arg("x"), py::arg("budget") = py::none(), py::arg("fraction") = py::none(),
      py::arg("function") = "facility-location", py::arg("metric") = "cosine", py::arg("optimizer") = "lazy",
      py::arg("groups") = py::none(), py::arg("costs") = py::none(), py::arg("cost_budget") = 0.0, py::arg("seed") = 0,
      py::arg("knn") = 0, py::arg("threads") = 0, py::arg("rbf_kw") = sel::KernelOptions{}.rbf_kw,
      py::arg("lambda_") = sel::FunctionParams{}.lambda, py::arg("regularizer") = sel::FunctionParams{}.regularizer,
      py::arg("concave") = sel::FunctionParams{}.concave, py::arg("alpha") = sel::FunctionParams{}.alpha,
      py::arg("threshold") = sel::FunctionParams{}.threshold, py::arg("epsilon") = sel::GreedyOptions{}.epsilon,
      py::arg("represented") = py::none(),
      "Raw selection; use cords_summarize.select, which documents the arguments and wraps the result.");
  bind_set_function(m);
}
