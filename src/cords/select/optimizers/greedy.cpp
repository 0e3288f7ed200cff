#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/core/range.h"
#include "cords/core/rng.h"
#include "cords/select/optimizer.h"

namespace cords::select {
namespace {

struct Pick {
  Index index = -1;  ///< -1: nothing left
  double gain = 0.0;
};

/// True when (g1, i1) beats (g2, i2): larger gain, then lower index.
bool better(double g1, Index i1, double g2, Index i2) {
  return g1 > g2 || (g1 == g2 && i1 < i2);
}

// An optimizer's own arguments (a Budget resolves k in [1, n]; a direct caller may pass anything).
void validate(const SetFunction& f, Index k, const GreedyOptions& o) {
  if (k < 1 || k > f.size())
    throw invalid_argument("k must be in [1, " + std::to_string(f.size()) + "], got " + std::to_string(k));
  check_range("epsilon", o.epsilon, kEpsilonRange);
}

bool should_stop(double gain, const GreedyOptions& o) {
  if (std::isinf(gain) && gain < 0) return true;
  if (o.stop_if_zero_gain && gain <= 0) return true;
  if (o.stop_if_negative_gain && gain < 0) return true;
  return false;
}

/// The loop every greedy variant shares: pick, check the stopping rules, add, record.
template <class Picker>
Selection run_greedy(SetFunction& f, Index k, const GreedyOptions& o, Picker& picker) {
  f.reset();
  Selection out;
  for (Index step = 0; step < k; ++step) {
    const Pick p = picker.pick(f, step, out.evaluations);
    if (p.index < 0 || should_stop(p.gain, o)) break;
    f.add(p.index);
    picker.added(p.index);
    out.selected.push_back(p.index);
    out.gains.push_back(p.gain);
    if (o.progress) o.progress(step + 1, k);
  }
  out.objective = f.value();
  return out;
}

/// Elements not yet selected, with O(1) removal and sampling.
class Remaining {
 public:
  explicit Remaining(Index n) : items_(static_cast<std::size_t>(n)), pos_(static_cast<std::size_t>(n)) {
    std::iota(items_.begin(), items_.end(), 0);
    std::iota(pos_.begin(), pos_.end(), 0);
  }
  void remove(Index i) {
    const Index p = pos_[static_cast<std::size_t>(i)], last = items_.back();
    items_[static_cast<std::size_t>(p)] = last;
    pos_[static_cast<std::size_t>(last)] = p;
    items_.pop_back();
  }
  const std::vector<Index>& items() const { return items_; }
  /// s distinct remaining elements (partial Fisher-Yates; reorders the pool, which is harmless).
  std::vector<Index> sample(Index s, Rng& rng) {
    const Index m = static_cast<Index>(items_.size());
    s = std::min(s, m);
    for (Index t = 0; t < s; ++t) {
      const Index j = t + static_cast<Index>(rng.uniform(static_cast<std::uint64_t>(m - t)));
      std::swap(items_[static_cast<std::size_t>(t)], items_[static_cast<std::size_t>(j)]);
      pos_[static_cast<std::size_t>(items_[static_cast<std::size_t>(t)])] = t;
      pos_[static_cast<std::size_t>(items_[static_cast<std::size_t>(j)])] = j;
    }
    return std::vector<Index>(items_.begin(), items_.begin() + s);
  }

 private:
  std::vector<Index> items_;
  std::vector<Index> pos_;
};

Pick argmax(const std::vector<Index>& cand, const std::vector<double>& g) {
  Pick best;
  best.gain = -std::numeric_limits<double>::infinity();
  for (std::size_t t = 0; t < cand.size(); ++t)
    if (best.index < 0 || better(g[t], cand[t], best.gain, best.index)) best = {cand[t], g[t]};
  return best;
}

// The candidates' gains (into g, counted in evals) and the best of them.
Pick best_of(const SetFunction& f, const std::vector<Index>& c, std::vector<double>& g, Index& evals) {
  g.resize(c.size());
  f.gains(c.data(), static_cast<Index>(c.size()), g.data());
  evals += static_cast<Index>(c.size());
  return argmax(c, g);
}

// ---- naive: every remaining gain, every step -------------------------------------------------------------
struct NaivePicker {
  Remaining rem;
  std::vector<double> g;
  explicit NaivePicker(Index n) : rem(n) {}
  Pick pick(const SetFunction& f, Index, Index& evals) {
    if (rem.items().empty()) return {};
    return best_of(f, rem.items(), g, evals);
  }
  void added(Index i) { rem.remove(i); }
};

// ---- lazy: a max-heap of stale upper bounds (Minoux 1978) -------------------------------------------------
struct LazyPicker {
  struct Entry {
    double bound;
    Index index;
    Index stamp;  ///< step at which bound was computed
  };
  struct Worse {
    bool operator()(const Entry& a, const Entry& b) const { return better(b.bound, b.index, a.bound, a.index); }
  };
  std::priority_queue<Entry, std::vector<Entry>, Worse> heap;
  bool started = false;
  Index batch;             ///< stale entries refreshed together (in parallel)
  NaivePicker exhaustive;  ///< for functions that are not submodular, where stale gains are no upper bounds

  LazyPicker(Index n, Index refresh_batch) : batch(std::max<Index>(1, refresh_batch)), exhaustive(n) {}

  Pick pick(const SetFunction& f, Index step, Index& evals) {
    if (!f.traits().submodular) return exhaustive.pick(f, step, evals);
    if (!started) {
      started = true;
      const Index n = f.size();
      std::vector<Index> all(static_cast<std::size_t>(n));
      std::iota(all.begin(), all.end(), 0);
      std::vector<double> g(static_cast<std::size_t>(n));
      f.gains(all.data(), n, g.data());
      evals += n;
      std::vector<Entry> init;
      init.reserve(static_cast<std::size_t>(n));
      for (Index i = 0; i < n; ++i) init.push_back({g[static_cast<std::size_t>(i)], i, step});
      heap = decltype(heap)(Worse{}, std::move(init));
    }
    std::vector<Index> stale;
    std::vector<double> fresh;
    while (!heap.empty()) {
      const Entry top = heap.top();
      if (top.stamp == step) {
        heap.pop();
        return {top.index, top.bound};
      }
      // Refresh the top stale entries together: each fresh gain is exact, so refreshing more than the strict
      // minimum changes the work done, never the element chosen.
      stale.clear();
      while (!heap.empty() && heap.top().stamp != step && static_cast<Index>(stale.size()) < batch) {
        stale.push_back(heap.top().index);
        heap.pop();
      }
      fresh.resize(stale.size());
      f.gains(stale.data(), static_cast<Index>(stale.size()), fresh.data());
      evals += static_cast<Index>(stale.size());
      for (std::size_t t = 0; t < stale.size(); ++t) heap.push({fresh[t], stale[t], step});
    }
    return {};
  }
  void added(Index i) { exhaustive.added(i); }
};

Index sample_size(Index n, Index k, double eps) {
  const double s = std::ceil(static_cast<double>(n) / static_cast<double>(k) * std::log(1.0 / eps));
  return std::max<Index>(1, std::min<Index>(n, static_cast<Index>(s)));
}

// ---- stochastic greedy (Mirzasoleiman et al. 2015): best of a random sample each step -----------------------
struct StochasticPicker {
  Remaining rem;
  Rng rng;
  Index s;
  std::vector<double> g;
  StochasticPicker(Index n, Index k, const GreedyOptions& o) : rem(n), rng(o.seed), s(sample_size(n, k, o.epsilon)) {}
  Pick pick(const SetFunction& f, Index, Index& evals) {
    if (rem.items().empty()) return {};
    return best_of(f, rem.sample(s, rng), g, evals);
  }
  void added(Index i) { rem.remove(i); }
};

// ---- lazier than lazy: the stochastic sample, searched lazily with stale upper bounds ---------------------
struct LazierPicker {
  Remaining rem;
  Rng rng;
  Index s;
  std::vector<double> bound;
  LazierPicker(Index n, Index k, const GreedyOptions& o)
      : rem(n),
        rng(o.seed),
        s(sample_size(n, k, o.epsilon)),
        bound(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity()) {}
  Pick pick(const SetFunction& f, Index, Index& evals) {
    if (rem.items().empty()) return {};
    std::vector<Index> c = rem.sample(s, rng);
    const bool submodular = f.traits().submodular;  // else stale gains are no upper bounds: evaluate all
    auto ub = [&](Index i) { return bound[static_cast<std::size_t>(i)]; };
    std::sort(c.begin(), c.end(), [&](Index a, Index b) { return better(ub(a), a, ub(b), b); });
    Pick best;
    best.gain = -std::numeric_limits<double>::infinity();
    for (std::size_t t = 0; t < c.size(); ++t) {
      if (submodular && best.index >= 0 && !better(ub(c[t]), c[t], best.gain, best.index)) break;  // bound cannot win
      const double g = f.gain(c[t]);
      ++evals;
      bound[static_cast<std::size_t>(c[t])] = g;
      if (best.index < 0 || better(g, c[t], best.gain, best.index)) best = {c[t], g};
    }
    return best;
  }
  void added(Index i) { rem.remove(i); }
};

template <class Picker>
class GreedyOptimizer final : public Optimizer {
 public:
  explicit GreedyOptimizer(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Selection maximize(SetFunction& f, Index k, const GreedyOptions& o) const override {
    validate(f, k, o);
    Picker picker = make(f, k, o);
    return run_greedy(f, k, o, picker);
  }

 private:
  static Picker make(const SetFunction& f, Index k, const GreedyOptions& o) {
    if constexpr (std::is_same_v<Picker, NaivePicker>)
      return NaivePicker(f.size());
    else if constexpr (std::is_same_v<Picker, LazyPicker>)
      return LazyPicker(f.size(), kLazyRefreshBatch);
    else
      return Picker(f.size(), k, o);
  }
  static constexpr Index kLazyRefreshBatch = 4;
  std::string name_;
};

class RandomSelection final : public Optimizer {
 public:
  std::string name() const override { return "random"; }
  Selection maximize(SetFunction& f, Index k, const GreedyOptions& o) const override {
    validate(f, k, o);
    f.reset();
    Rng rng(o.seed);
    Selection out;
    for (std::int64_t i : rng.sample_without_replacement(f.size(), k)) {
      const double g = f.gain(i);
      ++out.evaluations;
      f.add(i);
      out.selected.push_back(i);
      out.gains.push_back(g);
    }
    out.objective = f.value();
    return out;
  }
};

}  // namespace

std::unique_ptr<Optimizer> naive_greedy() {
  return std::make_unique<GreedyOptimizer<NaivePicker>>("naive");
}
std::unique_ptr<Optimizer> lazy_greedy() {
  return std::make_unique<GreedyOptimizer<LazyPicker>>("lazy");
}
std::unique_ptr<Optimizer> stochastic_greedy() {
  return std::make_unique<GreedyOptimizer<StochasticPicker>>("stochastic");
}
std::unique_ptr<Optimizer> lazier_than_lazy_greedy() {
  return std::make_unique<GreedyOptimizer<LazierPicker>>("lazier-than-lazy");
}
std::unique_ptr<Optimizer> random_selection() {
  return std::make_unique<RandomSelection>();
}

// One piece: the lazy heap of gain/cost ratios, the budget checks and the best-singleton comparison form one
// algorithm (Leskovec et al. 2007).
Selection cost_aware_greedy(SetFunction& f, const std::vector<double>& costs, double cost_budget, Index max_count,
                            const GreedyOptions& o) {
  const Index n = f.size();
  if (static_cast<Index>(costs.size()) != n)
    throw invalid_argument("need one cost per element: " + std::to_string(costs.size()) + " costs for " +
                           std::to_string(n) + " elements");
  for (std::size_t i = 0; i < costs.size(); ++i)
    if (!(costs[i] > 0)) throw invalid_argument("cost of element " + std::to_string(i) + " must be > 0");
  if (!(cost_budget > 0)) throw invalid_argument("cost budget must be > 0");
  max_count = max_count > 0 ? std::min(max_count, n) : n;
  f.reset();

  // Singleton values and the initial ratio heap.
  std::vector<Index> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> g0(static_cast<std::size_t>(n));
  f.gains(all.data(), n, g0.data());
  Selection out;
  out.evaluations = n;
  Index best_single = -1;
  for (Index i = 0; i < n; ++i)
    if (costs[static_cast<std::size_t>(i)] <= cost_budget &&
        (best_single < 0 ||
         better(g0[static_cast<std::size_t>(i)], i, g0[static_cast<std::size_t>(best_single)], best_single)))
      best_single = i;

  struct Entry {
    double ratio;
    double gain;
    Index index;
    Index stamp;
  };
  auto worse = [](const Entry& a, const Entry& b) { return better(b.ratio, b.index, a.ratio, a.index); };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  for (Index i = 0; i < n; ++i)
    heap.push(
        {g0[static_cast<std::size_t>(i)] / costs[static_cast<std::size_t>(i)], g0[static_cast<std::size_t>(i)], i, 0});
  double spent = 0.0;
  for (Index step = 0; static_cast<Index>(out.selected.size()) < max_count && !heap.empty();) {
    Entry top = heap.top();
    heap.pop();
    const double c = costs[static_cast<std::size_t>(top.index)];
    if (spent + c > cost_budget) continue;  // never fits again: the budget only shrinks
    if (top.stamp != step) {
      top.gain = f.gain(top.index);
      ++out.evaluations;
      top.ratio = top.gain / c;
      top.stamp = step;
      heap.push(top);
      continue;
    }
    if (should_stop(top.gain, o)) break;
    f.add(top.index);
    spent += c;
    out.selected.push_back(top.index);
    out.gains.push_back(top.gain);
    ++step;
  }
  out.objective = f.value();
  if (best_single >= 0 && g0[static_cast<std::size_t>(best_single)] > out.objective) {
    f.reset();
    f.add(best_single);
    out.selected = {best_single};
    out.gains = {g0[static_cast<std::size_t>(best_single)]};
    out.objective = f.value();
  }
  return out;
}

}  // namespace cords::select
