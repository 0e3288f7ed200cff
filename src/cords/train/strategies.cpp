#include "cords/train/strategies.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>

#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/select/functions.h"
#include "cords/select/kernel.h"
#include "cords/select/optimizer.h"
#include "cords/select/selection.h"

namespace cords::train {
namespace {

using Members = std::vector<std::vector<std::int64_t>>;

Members by_class(const at::Tensor& y, int classes) {
  Members m(static_cast<std::size_t>(classes));
  const at::Tensor yc = y.to(at::kLong).contiguous();
  const std::int64_t* p = yc.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < yc.size(0); ++i) m[static_cast<std::size_t>(p[i])].push_back(i);
  return m;
}

std::vector<std::int64_t> class_budgets(const Members& m, std::int64_t k) {
  std::vector<Index> sizes;
  for (const auto& c : m) sizes.push_back(static_cast<Index>(c.size()));
  const auto b = select::apportion(sizes, k);
  return {b.begin(), b.end()};
}

using Chosen = std::pair<std::vector<std::int64_t>, std::vector<float>>;  // positions and their weights

// Per-class selection: `choose(c, member_indices, budget)` picks positions among class c's members (rows in the
// order of `member_indices`); they are mapped back to train indices. Classes without budget are skipped.
template <class Choose>
Subset per_class(const Members& m, const std::vector<std::int64_t>& budgets, Choose choose) {
  Subset s;
  for (std::size_t c = 0; c < m.size(); ++c) {
    if (budgets[c] == 0) continue;
    const auto [pos, w] = choose(c, at::tensor(m[c], at::kLong), budgets[c]);
    for (std::size_t t = 0; t < pos.size(); ++t) {
      s.indices.push_back(m[c][static_cast<std::size_t>(pos[t])]);
      s.weights.push_back(w[t]);
    }
  }
  return s;
}

std::int64_t batches_of(std::int64_t n, std::int64_t batch) {
  return (n + batch - 1) / batch;
}

// Chosen batches (with weights) -> their examples, each with its batch's weight.
Subset expand_batches(const std::vector<std::int64_t>& batches, const std::vector<float>& w, std::int64_t n,
                      std::int64_t batch) {
  Subset s;
  for (std::size_t t = 0; t < batches.size(); ++t)
    for (std::int64_t i = batches[t] * batch; i < std::min(n, (batches[t] + 1) * batch); ++i) {
      s.indices.push_back(i);
      s.weights.push_back(w[t]);
    }
  return s;
}

Matrix to_matrix(const at::Tensor& rows) {
  const at::Tensor c = rows.to(at::kFloat).contiguous();
  Matrix m = Matrix::uninitialized(c.size(0), c.size(1));
  for (std::int64_t i = 0; i < c.size(0); ++i) std::copy_n(c.data_ptr<float>() + i * c.size(1), c.size(1), m.row(i));
  return m;
}

// Facility location (sim = max d2 - d2) over the rows, lazy greedy, budget k; returns chosen positions and the
// cluster size of each (elements whose most similar chosen element it is, itself included).
Chosen facloc_rows(const at::Tensor& rows, std::int64_t k) {
  const std::int64_t m = rows.size(0);
  k = std::min(k, m);
  if (k <= 0) return {};
  if (m > 40000)
    throw invalid_argument("facility location over " + std::to_string(m) + " elements needs a " + std::to_string(m) +
                           " x " + std::to_string(m) + " kernel; use a per-class or per-batch selection mode");
  const Matrix x = to_matrix(rows);
  auto kernel = std::make_shared<const select::DenseKernel>(
      select::make_dense_kernel(x.view(), {select::Metric::Euclidean, 0.1}));
  auto f = select::facility_location(kernel);
  const select::Selection sel = select::lazy_greedy()->maximize(*f, k, select::GreedyOptions{});
  std::vector<float> count(sel.selected.size(), 0.0f);
  for (std::int64_t i = 0; i < m; ++i) {
    const float* r = kernel->row(i);
    std::size_t best = 0;
    for (std::size_t t = 1; t < sel.selected.size(); ++t)
      if (r[sel.selected[t]] > r[sel.selected[best]]) best = t;
    count[best] += 1.0f;
  }
  return {std::vector<std::int64_t>(sel.selected.begin(), sel.selected.end()), count};
}

void need_per_example(const Gradients& g, const char* what) {
  if (g.per_batch) throw invalid_argument(std::string(what) + " needs per-example gradients");
}

// Random unselected elements of [0, n) at weight 1 until there are `want`.
void top_up(std::vector<std::int64_t>& idx, std::vector<float>& w, std::int64_t n, std::int64_t want, Rng& rng) {
  if (static_cast<std::int64_t>(idx.size()) >= want) return;
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  for (auto i : idx) taken[static_cast<std::size_t>(i)] = 1;
  std::vector<std::int64_t> free;
  for (std::int64_t i = 0; i < n; ++i)
    if (!taken[static_cast<std::size_t>(i)]) free.push_back(i);
  const auto need =
      std::min<std::int64_t>(want - static_cast<std::int64_t>(idx.size()), static_cast<std::int64_t>(free.size()));
  for (auto p : rng.sample_without_replacement(static_cast<std::int64_t>(free.size()), need)) {
    idx.push_back(free[static_cast<std::size_t>(p)]);
    w.push_back(1.0f);
  }
}

}  // namespace

std::int64_t budget_of(std::int64_t n, double fraction) {
  check_range("fraction", fraction, train_range("fraction"));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(fraction * static_cast<double>(n)));
}

std::vector<std::int64_t> candidate_pool(std::int64_t n, std::int64_t batch, double pool, bool per_batch,
                                         std::uint64_t seed) {
  const std::int64_t units = per_batch ? (n + batch - 1) / batch : n;  // examples, or batches
  const std::int64_t want = std::min(
      units, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(pool * static_cast<double>(units)))));
  std::vector<std::int64_t> chosen(static_cast<std::size_t>(units));
  if (want == units) {
    std::iota(chosen.begin(), chosen.end(), 0);
  } else {
    Rng rng(seed);
    chosen = rng.sample_without_replacement(units, want);
    std::sort(chosen.begin(), chosen.end());
  }
  if (!per_batch) return chosen;
  std::vector<std::int64_t> out;
  for (auto id : chosen)
    for (std::int64_t i = id * batch; i < std::min(n, (id + 1) * batch); ++i) out.push_back(i);
  return out;
}

Subset random_subset(std::int64_t n, std::int64_t k, std::uint64_t seed) {
  Rng rng(seed);
  Subset s;
  s.indices = rng.sample_without_replacement(n, std::min(k, n));
  s.weights.assign(s.indices.size(), 1.0f);
  return s;
}

Subset craig(const Gradients& g, std::int64_t k, Mode mode) {
  const std::int64_t n = g.examples();
  if (mode == Mode::PerBatch) {
    if (!g.per_batch) throw invalid_argument("craig per-batch needs per-batch gradients");
    const auto [chosen, w] = facloc_rows(g.g, batches_of(k, g.batch));
    return expand_batches(chosen, w, n, g.batch);
  }
  need_per_example(g, "craig per-class/whole");
  if (mode == Mode::Whole) {
    const auto [chosen, w] = facloc_rows(g.g, k);
    return {chosen, w};
  }
  const Members m = by_class(g.y, g.classes);
  return per_class(m, class_budgets(m, k), [&](std::size_t, const at::Tensor& members, std::int64_t budget) {
    return facloc_rows(g.g.index_select(0, members), budget);
  });
}

Subset gradmatch(const Gradients& g, std::int64_t k, Mode mode, double lambda, std::uint64_t seed) {
  const std::int64_t n = g.examples();
  Rng rng(seed);
  if (mode == Mode::PerBatch) {
    if (!g.per_batch) throw invalid_argument("gradmatch per-batch needs per-batch gradients");
    const std::int64_t nb = batches_of(k, g.batch);
    const OmpResult r = nn_omp(g.g, g.g.sum(0), nb, lambda);
    std::vector<std::int64_t> idx = r.atoms;
    std::vector<float> w(r.coef.begin(), r.coef.end());
    top_up(idx, w, g.g.size(0), nb, rng);
    return expand_batches(idx, w, n, g.batch);
  }
  need_per_example(g, "gradmatch per-class/whole");
  // OMP on the rows, then random rows at weight 1 up to the budget.
  auto solve = [&](const at::Tensor& rows, std::int64_t budget) {
    const OmpResult r = nn_omp(rows, rows.sum(0), budget, lambda);
    Chosen c{r.atoms, std::vector<float>(r.coef.begin(), r.coef.end())};
    top_up(c.first, c.second, rows.size(0), budget, rng);
    return c;
  };
  if (mode == Mode::Whole) {
    const auto [idx, w] = solve(g.g, k);
    return {idx, w};
  }
  if (mode == Mode::PerClassPerGradient && !g.linear)
    throw invalid_argument("gradmatch per-class-per-gradient needs the last layer's weight gradients (linear layer)");
  const Members m = by_class(g.y, g.classes);
  return per_class(m, class_budgets(m, k), [&](std::size_t c, const at::Tensor& members, std::int64_t budget) {
    at::Tensor rows = g.g.index_select(0, members);
    if (mode == Mode::PerClassPerGradient) {  // class c's own parameters: bias c and weight row c
      const auto cc = static_cast<std::int64_t>(c);
      rows = at::cat({rows.narrow(1, cc, 1), rows.narrow(1, g.classes + cc * g.emb_dim, g.emb_dim)}, 1);
    }
    return solve(rows, budget);
  });
}

namespace {

// The validation gradient of the cross-entropy loss at logits `out` (V x C): [mean (p - onehot) | mean (p - onehot)
// (x) e] (the second part only with the linear layer).
at::Tensor glister_val_grad(const at::Tensor& out, const at::Tensor& onehot, const at::Tensor& e, bool linear) {
  const at::Tensor p = at::softmax(out, 1) - onehot;
  at::Tensor gv = p.mean(0);
  if (linear) gv = at::cat({gv, p.t().mm(e).div(static_cast<double>(out.size(0))).flatten()});
  return gv;
}

// Bias-only gradients (no linear layer): every validation row's logits move by the same -eta b, b = the bias part
// of the chosen gradients' sum. With A[v][c] = exp(out0[v][c] - max_c out0[v][c]) computed once and
// u[c] = exp(-eta b[c] - max), softmax(out0[v] - eta b)[c] = A[v][c] u[c] / sum_c' A[v][c'] u[c'], so the mean
// validation gradient costs 2 V C multiply-adds and C exponentials per greedy step instead of V C exponentials.
class BiasOnlyValGrad {
 public:
  BiasOnlyValGrad(const at::Tensor& out0, const at::Tensor& vy, int classes, double eta)
      : v_(out0.size(0)),
        c_(classes),
        eta_(eta),
        a_(static_cast<std::size_t>(v_ * c_)),
        out0_(a_.size()),
        onehot_mean_(static_cast<std::size_t>(c_), 0.0) {
    const at::Tensor o = out0.to(at::kDouble).contiguous();
    const at::Tensor y = vy.to(at::kLong).contiguous();
    const double* op = o.data_ptr<double>();
    const std::int64_t* yp = y.data_ptr<std::int64_t>();
    for (std::int64_t v = 0; v < v_; ++v) {
      const double* row = op + v * c_;
      const double mx = *std::max_element(row, row + c_);
      for (int c = 0; c < c_; ++c) {
        a_[static_cast<std::size_t>(v * c_ + c)] = std::exp(row[c] - mx);
        out0_[static_cast<std::size_t>(v * c_ + c)] = row[c];
      }
      onehot_mean_[static_cast<std::size_t>(yp[v])] += 1.0 / static_cast<double>(v_);
    }
  }
  // The mean validation gradient at logits out0 - eta b.
  std::vector<double> at(const std::vector<double>& b) const {
    std::vector<double> shift(static_cast<std::size_t>(c_)), u(static_cast<std::size_t>(c_)),
        sum(static_cast<std::size_t>(c_), 0.0);
    for (int c = 0; c < c_; ++c) shift[static_cast<std::size_t>(c)] = -eta_ * b[static_cast<std::size_t>(c)];
    const double mx = *std::max_element(shift.begin(), shift.end());
    for (int c = 0; c < c_; ++c) u[static_cast<std::size_t>(c)] = std::exp(shift[static_cast<std::size_t>(c)] - mx);
    for (std::int64_t v = 0; v < v_; ++v) {
      const double* a = &a_[static_cast<std::size_t>(v * c_)];
      double denom = 0;
      for (int c = 0; c < c_; ++c) denom += a[c] * u[static_cast<std::size_t>(c)];
      if (denom > 1e-280 && std::isfinite(denom)) {
        const double inv = 1.0 / denom;
        for (int c = 0; c < c_; ++c) sum[static_cast<std::size_t>(c)] += a[c] * inv;
      } else {  // the factorised form under- or overflowed: this row the direct way (log-sum-exp)
        const double* o = &out0_[static_cast<std::size_t>(v * c_)];
        double m = -std::numeric_limits<double>::infinity();
        for (int c = 0; c < c_; ++c) m = std::max(m, o[c] + shift[static_cast<std::size_t>(c)]);
        double z = 0;
        for (int c = 0; c < c_; ++c) z += std::exp(o[c] + shift[static_cast<std::size_t>(c)] - m);
        for (int c = 0; c < c_; ++c)
          sum[static_cast<std::size_t>(c)] +=
              std::exp(o[c] + shift[static_cast<std::size_t>(c)] - m) / z / u[static_cast<std::size_t>(c)];
      }
    }
    std::vector<double> gv(static_cast<std::size_t>(c_));
    for (int c = 0; c < c_; ++c)
      gv[static_cast<std::size_t>(c)] =
          u[static_cast<std::size_t>(c)] * sum[static_cast<std::size_t>(c)] / static_cast<double>(v_) -
          onehot_mean_[static_cast<std::size_t>(c)];
    return gv;
  }

 private:
  std::int64_t v_;
  int c_;
  double eta_;
  std::vector<double> a_, out0_, onehot_mean_;
};

}  // namespace

// One piece: the greedy loop updates the validation logits and gradient after every pick; the state is shared by
// every step.
std::vector<std::int64_t> glister_greedy(const at::Tensor& rows, const at::Tensor& vlogits, const at::Tensor& vemb,
                                         const at::Tensor& vy, int classes, bool linear, std::int64_t budget,
                                         double eta, std::uint64_t seed, bool reference) {
  const std::int64_t m = rows.size(0), C = classes;
  budget = std::min(budget, m);
  std::vector<std::int64_t> chosen;
  if (budget <= 0) return chosen;
  Rng rng(seed);
  const at::Tensor G = rows.to(at::kDouble).contiguous();
  const std::int64_t P = G.size(1);
  const double* gp = G.data_ptr<double>();
  const bool fast = !linear && !reference;
  std::optional<BiasOnlyValGrad> bias_only;
  at::Tensor onehot, out0, e, gs;
  std::vector<double> gv;
  if (fast) {
    bias_only.emplace(vlogits, vy, classes, eta);
    gv = bias_only->at(std::vector<double>(static_cast<std::size_t>(C), 0.0));
  } else {
    onehot = at::one_hot(vy.to(at::kLong), C).to(at::kDouble);
    out0 = vlogits.to(at::kDouble);
    e = vemb.to(at::kDouble);
    gs = at::zeros({P}, G.options());
    const at::Tensor g0 = glister_val_grad(out0, onehot, e, linear).contiguous();
    gv.assign(g0.data_ptr<double>(), g0.data_ptr<double>() + P);
  }
  std::vector<double> bsum(static_cast<std::size_t>(C), 0.0);  // fast path: the bias part of the chosen sum
  std::vector<std::int64_t> remaining(static_cast<std::size_t>(m));
  std::iota(remaining.begin(), remaining.end(), 0);
  const auto sample = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(m) / static_cast<double>(budget) * std::log(100.0)));
  std::vector<std::int64_t> pos;
  for (std::int64_t step = 0; step < budget; ++step) {
    const auto r = static_cast<std::int64_t>(remaining.size());
    const std::int64_t s = std::min(sample, r);
    if (s == r) {
      pos.resize(static_cast<std::size_t>(r));
      std::iota(pos.begin(), pos.end(), 0);
    } else {
      pos = rng.sample_without_replacement(r, s);
    }
    // The candidate with the largest gain <g_e, grad L_V> (ties: the smaller index).
    std::size_t best = 0;
    double best_gain = -std::numeric_limits<double>::infinity();
    for (std::size_t t = 0; t < pos.size(); ++t) {
      const std::int64_t cand = remaining[static_cast<std::size_t>(pos[t])];
      const double* row = gp + cand * P;
      double gain = 0;
      for (std::int64_t j = 0; j < P; ++j) gain += row[j] * gv[static_cast<std::size_t>(j)];
      if (t == 0 || gain > best_gain || (gain == best_gain && cand < remaining[static_cast<std::size_t>(pos[best])])) {
        best = t;
        best_gain = gain;
      }
    }
    const std::int64_t e_best = remaining[static_cast<std::size_t>(pos[best])];
    chosen.push_back(e_best);
    remaining[static_cast<std::size_t>(pos[best])] = remaining.back();
    remaining.pop_back();
    if (fast) {
      for (std::int64_t c = 0; c < C; ++c) bsum[static_cast<std::size_t>(c)] += gp[e_best * P + c];
      gv = bias_only->at(bsum);
    } else {
      gs += G[e_best];
      at::Tensor out = out0 - eta * gs.narrow(0, 0, C).unsqueeze(0);
      if (linear) out = out - eta * e.mm(gs.narrow(0, C, P - C).view({C, (P - C) / C}).t());
      const at::Tensor g1 = glister_val_grad(out, onehot, e, linear).contiguous();
      gv.assign(g1.data_ptr<double>(), g1.data_ptr<double>() + P);
    }
  }
  return chosen;
}

Subset glister(const Gradients& g, const ValState& val, std::int64_t k, Mode mode, double eta, std::uint64_t seed) {
  const std::int64_t n = g.examples();
  Rng rng(seed);
  auto run = [&](const at::Tensor& rows, const at::Tensor& vlogits, const at::Tensor& vemb, const at::Tensor& vy,
                 std::int64_t budget) {
    return glister_greedy(rows, vlogits, vemb, vy, g.classes, g.linear, budget, eta, rng.next(), false);
  };
  if (mode == Mode::PerBatch) {
    if (!g.per_batch) throw invalid_argument("glister per-batch needs per-batch gradients");
    const auto chosen = run(g.g, val.logits, val.emb, val.y, batches_of(k, g.batch));
    return expand_batches(chosen, std::vector<float>(chosen.size(), 1.0f), n, g.batch);
  }
  need_per_example(g, "glister per-class/whole");
  if (mode == Mode::Whole) {
    Subset s;
    s.indices = run(g.g, val.logits, val.emb, val.y, k);
    s.weights.assign(s.indices.size(), 1.0f);
    return s;
  }
  const Members m = by_class(g.y, g.classes), mv = by_class(val.y, g.classes);
  return per_class(m, class_budgets(m, k), [&](std::size_t c, const at::Tensor& members, std::int64_t budget) {
    at::Tensor vl = val.logits, ve = val.emb, vy = val.y;
    if (!mv[c].empty()) {  // the class's own validation examples (all of them when it has none)
      const at::Tensor vi = at::tensor(mv[c], at::kLong);
      vl = vl.index_select(0, vi);
      ve = ve.index_select(0, vi);
      vy = vy.index_select(0, vi);
    }
    std::vector<std::int64_t> chosen = run(g.g.index_select(0, members), vl, ve, vy, budget);
    std::vector<float> ones(chosen.size(), 1.0f);
    return Chosen{std::move(chosen), std::move(ones)};
  });
}

Subset facloc_embed(const at::Tensor& emb, const at::Tensor& y, int classes, std::int64_t k) {
  const Members m = by_class(y, classes);
  return per_class(m, class_budgets(m, k), [&](std::size_t, const at::Tensor& members, std::int64_t budget) {
    Chosen c = facloc_rows(emb.index_select(0, members), budget);
    c.second.assign(c.first.size(), 1.0f);  // weights 1, as CORDS' FacLoc
    return c;
  });
}

namespace {

double dot(const double* x, const double* y, std::int64_t d) {
  double s = 0;
  for (std::int64_t t = 0; t < d; ++t) s += x[t] * y[t];
  return s;
}

// The chosen atoms S of NN-OMP and the ridge solution on them: the Cholesky factor L of A_S A_S^T + lambda I (row by
// row, lower), the right-hand side A_S b and the coefficients x.
class RidgeSupport {
 public:
  RidgeSupport(const double* a, const double* b, std::int64_t d, double lambda)
      : a_(a), b_(b), d_(d), lambda_(lambda) {}

  const std::vector<std::int64_t>& atoms() const { return s_; }
  const std::vector<double>& coef() const { return x_; }
  const double* atom(std::int64_t j) const { return a_ + j * d_; }

  // Appends atom j to the factor; false when it is linearly dependent on S (with lambda = 0).
  bool append(std::int64_t j) {
    const std::size_t s = s_.size();
    std::vector<double> l(s + 1);
    for (std::size_t i = 0; i < s; ++i) {
      double v = dot(atom(s_[i]), atom(j), d_);
      for (std::size_t t = 0; t < i; ++t) v -= l_[i][t] * l[t];
      l[i] = v / l_[i][i];
    }
    const double self = dot(atom(j), atom(j), d_);
    double diag = self + lambda_;
    for (std::size_t t = 0; t < s; ++t) diag -= l[t] * l[t];
    if (!(diag > 1e-12 * std::max(1.0, self))) return false;
    l[s] = std::sqrt(diag);
    l_.push_back(std::move(l));
    s_.push_back(j);
    rhs_.push_back(dot(atom(j), b_, d_));
    return true;
  }

  // x = (A_S A_S^T + lambda I)^-1 A_S b, by forward and back substitution.
  void solve() {
    const std::size_t s = s_.size();
    std::vector<double> z(s);
    for (std::size_t i = 0; i < s; ++i) {
      double v = rhs_[i];
      for (std::size_t t = 0; t < i; ++t) v -= l_[i][t] * z[t];
      z[i] = v / l_[i][i];
    }
    x_.assign(s, 0.0);
    for (std::size_t i = s; i-- > 0;) {
      double v = z[i];
      for (std::size_t t = i + 1; t < s; ++t) v -= l_[t][i] * x_[t];
      x_[i] = v / l_[i][i];
    }
  }

  // Drops atoms with negative coefficients, the most negative first, re-solving each time; atoms that become
  // dependent on re-factoring are marked in `excluded`.
  void drop_negatives(std::vector<char>& excluded) {
    while (!x_.empty() && *std::min_element(x_.begin(), x_.end()) < 0) {
      const auto worst = static_cast<std::size_t>(std::min_element(x_.begin(), x_.end()) - x_.begin());
      std::vector<std::int64_t> keep = s_;
      keep.erase(keep.begin() + static_cast<long>(worst));
      s_.clear();
      l_.clear();
      rhs_.clear();
      for (auto j : keep)
        if (!append(j)) excluded[static_cast<std::size_t>(j)] = 1;
      solve();
    }
  }

  // b - A_S^T x.
  std::vector<double> residual() const {
    std::vector<double> r(b_, b_ + d_);
    for (std::size_t i = 0; i < s_.size(); ++i)
      for (std::int64_t t = 0; t < d_; ++t) r[static_cast<std::size_t>(t)] -= x_[i] * atom(s_[i])[t];
    return r;
  }

 private:
  const double* a_;
  const double* b_;
  std::int64_t d_;
  double lambda_;
  std::vector<std::int64_t> s_;
  std::vector<std::vector<double>> l_;
  std::vector<double> rhs_, x_;
};

// The atom not yet excluded whose correlation with the residual is largest and positive; -1 when none is.
std::int64_t best_atom(const at::Tensor& a, std::vector<double>& r, const std::vector<char>& excluded) {
  const std::int64_t n = a.size(0);
  const at::Tensor corr =
      a.mv(at::from_blob(r.data(), {static_cast<std::int64_t>(r.size())}, at::kDouble)).contiguous();  // one GEMV
  const double* cp = corr.data_ptr<double>();
  std::int64_t best = -1;
  double best_p = 0.0;
  for (std::int64_t j = 0; j < n; ++j)
    if (!excluded[static_cast<std::size_t>(j)] && cp[j] > best_p) {
      best_p = cp[j];
      best = j;
    }
  return best;
}

}  // namespace

// NN-OMP as GradMatch's paper states it, step by step: pick the best-correlated atom, re-solve the non-negative ridge
// on the chosen ones, update the residual.
OmpResult nn_omp(const at::Tensor& a_in, const at::Tensor& b_in, std::int64_t nnz, double lambda, double tol) {
  if (a_in.dim() != 2 || b_in.dim() != 1 || a_in.size(1) != b_in.size(0))
    throw invalid_argument("nn_omp: a must be n x d and b of length d");
  if (lambda < 0) throw invalid_argument("OMP lambda must be >= 0");
  const at::Tensor a = a_in.to(at::kDouble).contiguous(), b = b_in.to(at::kDouble).contiguous();
  const std::int64_t n = a.size(0), d = a.size(1);
  const double* B = b.data_ptr<double>();
  const double bnorm = std::sqrt(dot(B, B, d));
  std::vector<char> excluded(static_cast<std::size_t>(n), 0);
  RidgeSupport sup(a.data_ptr<double>(), B, d, lambda);
  std::vector<double> r(B, B + d);
  while (static_cast<std::int64_t>(sup.atoms().size()) < nnz) {
    const double rn = std::sqrt(std::inner_product(r.begin(), r.end(), r.begin(), 0.0));
    if (bnorm == 0 || rn <= tol * bnorm) break;
    const std::int64_t best = best_atom(a, r, excluded);
    if (best < 0) break;                           // no atom correlates positively with the residual
    excluded[static_cast<std::size_t>(best)] = 1;  // never re-added (also after a drop): no cycling
    if (!sup.append(best)) continue;
    sup.solve();
    sup.drop_negatives(excluded);
    r = sup.residual();
  }
  OmpResult out;
  const auto& S = sup.atoms();
  const auto& x = sup.coef();
  for (std::size_t i = 0; i < S.size(); ++i)
    if (x.size() == S.size() && x[i] > 0) {
      out.atoms.push_back(S[i]);
      out.coef.push_back(x[i]);
    }
  out.residual = std::sqrt(std::inner_product(r.begin(), r.end(), r.begin(), 0.0));
  return out;
}

}  // namespace cords::train
