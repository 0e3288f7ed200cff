// cords_summarize._train: CORDS' selection strategies (src/cords/train/strategies.h) for the adaptive loaders of
// cords_summarize.torch. The loaders compute the last-layer gradients with the user's model in Python; this module
// takes them as numpy arrays (viewed as ATen tensors, no copy), selects in C++ with the GIL released, and returns
// train indices with their weights. Errors map to Python exceptions by kind, as in cords_summarize._cords.
#include <ATen/ATen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cords/core/error.h"
#include "cords/train/strategies.h"
#include "cords/train/strategy_table.h"
#include "error_kinds.h"

namespace py = pybind11;
namespace tr = cords::train;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using LongArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using Picked = std::pair<py::array_t<std::int64_t>, py::array_t<float>>;

at::Tensor view2(const FloatArray& a, const char* what) {
  if (a.ndim() != 2) throw cords::invalid_argument(std::string(what) + " must be a 2-D array");
  return at::from_blob(const_cast<float*>(a.data()), {a.shape(0), a.shape(1)}, at::kFloat);
}

at::Tensor labels(const LongArray& y, std::int64_t rows, int classes, const char* what) {
  if (y.ndim() != 1 || y.shape(0) != rows)
    throw cords::invalid_argument(std::string(what) + " must hold one label per example (" + std::to_string(rows) +
                                  ")");
  for (py::ssize_t i = 0; i < y.shape(0); ++i)
    if (y.data()[i] < 0 || y.data()[i] >= classes)
      throw cords::invalid_argument(std::string(what) + " holds label " + std::to_string(y.data()[i]) +
                                    " outside [0, " + std::to_string(classes) + ")");
  return at::from_blob(const_cast<std::int64_t*>(y.data()), {y.shape(0)}, at::kLong);
}

Picked to_numpy(const tr::Subset& s) {
  return {py::array_t<std::int64_t>(static_cast<py::ssize_t>(s.indices.size()), s.indices.data()),
          py::array_t<float>(static_cast<py::ssize_t>(s.weights.size()), s.weights.data())};
}

// The strategies that select from the model's gradients (the table's model_based rows).
std::string gradient_strategies() {
  std::vector<std::string> names;
  for (const auto& row : tr::strategy_table())
    if (row.model_based) names.emplace_back(row.name);
  return cords::name_list(names);
}

// The strategy table's rows as the Python loaders read them (cords_summarize.torch builds STRATEGIES and its
// defaults from these, never from names of its own).
py::list strategy_rows() {
  py::list rows;
  for (const auto& r : tr::strategy_table()) {
    py::list modes;
    for (tr::Mode m : r.modes) modes.append(tr::to_string(m));
    py::dict d;
    d["name"] = r.name;
    d["picks"] = cords::name_in(tr::kPicks, r.picks);
    d["adaptive"] = r.adaptive;
    d["gradient"] = r.model_based;
    d["starts_random"] = r.starts_random;
    d["per_batch_alias"] = r.per_batch_alias;
    d["modes"] = modes;
    d["own_epoch_rule"] = r.own_epoch_rule;
    d["in_loader"] = r.in_loader;
    rows.append(d);
  }
  return rows;
}

// A strategy name (a -pb alias included) and a mode (None: its default) resolved as train resolves them, with the
// defaults that depend on them.
py::dict resolve(const std::string& strategy, const std::optional<std::string>& mode, const std::string& linear_layer) {
  const tr::StrategyChoice c =
      tr::resolve_strategy(strategy, mode ? std::optional<tr::Mode>(tr::parse_mode(*mode)) : std::nullopt);
  py::dict d;
  d["base"] = c.info->name;
  d["mode"] = tr::to_string(c.mode);
  d["select_every"] = tr::default_select_every(c);
  d["lambda_"] = tr::default_lambda(c);
  d["linear"] = tr::uses_linear_layer(c, tr::parse_linear_layer(linear_layer));
  d["adaptive"] = c.info->adaptive;
  return d;
}

// One selection by a gradient strategy on the rows of g (examples, or per-batch means when per_batch).
Picked run_strategy(const std::string& strategy, const FloatArray& g, const LongArray& y, int classes,
                    std::int64_t emb_dim, bool linear, bool per_batch, std::int64_t batch, std::int64_t k,
                    const std::string& mode, double lambda, double eta, std::uint64_t seed,
                    const std::optional<FloatArray>& val_logits, const std::optional<FloatArray>& val_emb,
                    const std::optional<LongArray>& val_y) {
  if (classes < 1) throw cords::invalid_argument("classes must be >= 1");
  if (batch < 1) throw cords::invalid_argument("batch must be >= 1");
  if (k < 1) throw cords::invalid_argument("the budget must be >= 1");
  tr::Gradients grads;
  grads.g = view2(g, "gradients");
  grads.y = labels(y, y.ndim() == 1 ? y.shape(0) : -1, classes, "y");
  grads.classes = classes;
  grads.emb_dim = emb_dim;
  grads.linear = linear;
  grads.per_batch = per_batch;
  grads.batch = batch;
  const std::int64_t width = classes + (linear ? classes * emb_dim : 0);
  if (grads.g.size(1) != width)
    throw cords::invalid_argument("gradient rows have " + std::to_string(grads.g.size(1)) + " values, expected " +
                                  std::to_string(width) + (linear ? " (C + C x D)" : " (C)"));
  const std::int64_t rows = per_batch ? (grads.examples() + batch - 1) / batch : grads.examples();
  if (grads.g.size(0) != rows)
    throw cords::invalid_argument("expected " + std::to_string(rows) + " gradient rows for " +
                                  std::to_string(grads.examples()) + " examples, got " +
                                  std::to_string(grads.g.size(0)));
  const tr::Mode m = tr::parse_mode(mode);
  const tr::Picks picks = tr::strategy_info(strategy).picks;
  tr::Subset s;
  if (picks == tr::Picks::Glister) {
    if (!val_logits || !val_emb || !val_y)
      throw cords::invalid_argument("glister needs the validation logits, embeddings and labels");
    tr::ValState v;
    v.logits = view2(*val_logits, "val_logits");
    v.emb = view2(*val_emb, "val_emb");
    v.y = labels(*val_y, v.logits.size(0), classes, "val_y");
    if (v.logits.size(1) != classes || v.emb.size(0) != v.logits.size(0) || v.emb.size(1) != emb_dim)
      throw cords::invalid_argument("validation arrays disagree: logits V x C, embeddings V x D, labels V");
    py::gil_scoped_release release;
    s = tr::glister(grads, v, k, m, eta, seed);
  } else if (picks == tr::Picks::Craig) {
    py::gil_scoped_release release;
    s = tr::craig(grads, k, m);
  } else if (picks == tr::Picks::GradMatch) {
    py::gil_scoped_release release;
    s = tr::gradmatch(grads, k, m, lambda, seed);
  } else {
    throw cords::invalid_argument("'" + strategy +
                                  "' does not select from gradients; those that do: " + gradient_strategies());
  }
  return to_numpy(s);
}

}  // namespace

PYBIND11_MODULE(_train, m) {
  m.doc() = "CORDS' selection strategies (C++, ATen) for cords_summarize.torch";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cords::Error& e) {
      if (!cords::python::set_python_error(e)) PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  m.def("budget_of", &tr::budget_of, py::arg("n"), py::arg("fraction"),
        "k = max(1, floor(fraction * n)), as train does");
  m.def(
      "candidate_pool",
      [](std::int64_t n, std::int64_t batch, double pool, bool per_batch, std::uint64_t seed) {
        if (n < 1 || batch < 1 || !(pool > 0 && pool <= 1))
          throw cords::invalid_argument("candidate_pool: n, batch >= 1 and pool in (0, 1]");
        const auto v = tr::candidate_pool(n, batch, pool, per_batch, seed);
        return py::array_t<std::int64_t>(static_cast<py::ssize_t>(v.size()), v.data());
      },
      py::arg("n"), py::arg("batch"), py::arg("pool"), py::arg("per_batch"), py::arg("seed"),
      "the train examples a selection computes gradients for (train's --pool rule)");
  m.def(
      "random_subset",
      [](std::int64_t n, std::int64_t k, std::uint64_t seed) {
        if (n < 1 || k < 1) throw cords::invalid_argument("random_subset: n and k must be >= 1");
        return to_numpy(tr::random_subset(n, k, seed));
      },
      py::arg("n"), py::arg("k"), py::arg("seed"), "k of n uniformly at random (train's random draws), weights 1");
  m.def("strategies", &strategy_rows, "the strategy table: one dict per strategy (train's, docs/training.md)");
  m.def("resolve", &resolve, py::arg("strategy"), py::arg("mode") = py::none(), py::arg("linear_layer") = "auto",
        "a strategy and mode resolved as train does: base name, mode, select_every, lambda_, linear, adaptive");
  m.def("select", &run_strategy, py::arg("strategy"), py::arg("g"), py::arg("y"), py::arg("classes"),
        py::arg("emb_dim"), py::arg("linear"), py::arg("per_batch"), py::arg("batch"), py::arg("k"), py::arg("mode"),
        py::arg("lambda_"), py::arg("eta"), py::arg("seed"), py::arg("val_logits") = py::none(),
        py::arg("val_emb") = py::none(), py::arg("val_y") = py::none(),
        "one selection by craig, gradmatch or glister; returns (indices, weights)");
}
