// k-nearest-neighbour search for the sparse kernel: exact (blocked BLAS) and IVF (k-means coarse quantiser,
// lists scanned with BLAS). Scores are "larger is nearer": the inner product for cosine (on unit rows) and dot,
// 2<x,y> - ||y||^2 for rbf (= ||x||^2 - d2).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cords/core/check.h"
#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/core/timer.h"
#include "cords/select/detail/rows.h"
#include "cords/select/gemm.h"
#include "cords/select/kernel.h"

namespace cords::select {
namespace {

// Per-query top-k of (score, id), excluding the query itself. Kept unsorted; `worst` caches the minimum.
struct TopK {
  Index k = 0;
  std::vector<float> score;
  std::vector<std::int32_t> id;
  std::vector<float> worst;
  TopK(Index queries, Index kk) : k(kk) {
    score.assign(static_cast<std::size_t>(queries * kk), -std::numeric_limits<float>::infinity());
    id.assign(static_cast<std::size_t>(queries * kk), -1);
    worst.assign(static_cast<std::size_t>(queries), -std::numeric_limits<float>::infinity());
  }
  void push(Index q, float s, std::int32_t j) {
    if (!(s > worst[static_cast<std::size_t>(q)])) return;
    float* sc = &score[static_cast<std::size_t>(q * k)];
    std::int32_t* ids = &id[static_cast<std::size_t>(q * k)];
    Index w = 0;
    for (Index t = 1; t < k; ++t)
      if (sc[t] < sc[w]) w = t;
    sc[w] = s;
    ids[w] = j;
    float m = sc[0];
    for (Index t = 1; t < k; ++t) m = std::min(m, sc[t]);
    worst[static_cast<std::size_t>(q)] = m;
  }
};

// Search space prepared for a metric: the vectors to multiply and the per-row terms of the score.
struct Space {
  Matrix unit;                // cosine: normalised rows
  MatrixView v;               // vectors used in products
  std::vector<float> sqnorm;  // rbf: ||y||^2 subtracted from 2<x,y>
  bool l2 = false;
  float score(float ip, Index j) const { return l2 ? 2.0f * ip - sqnorm[static_cast<std::size_t>(j)] : ip; }
};

Space make_space(MatrixView x, Metric metric) {
  Space sp;
  if (metric == Metric::Cosine) {
    sp.unit = detail::normalized_rows(x);
    sp.v = sp.unit.view();
  } else {
    sp.v = x;
  }
  if (metric == Metric::Rbf) {
    sp.sqnorm = detail::squared_norms(x);
    sp.l2 = true;
  }
  return sp;
}

// A scanning thread's buffers, reused from one block to the next: the block's rows, its products, their ids.
struct ScanBuffers {
  std::vector<float> rows, products;
  std::vector<std::int32_t> ids;
};

// Runs body(i, buffers) for i in [0, count), each a block of a scan with its own product: on OpenMP threads, each
// calling the BLAS single-threaded, when the application handed the BLAS pool over (set_threads); else one after
// another, each product on the BLAS's own threads, the rest of the scan on the calling thread (the pool is
// process-wide: the library leaves it alone unless told; OpenMP threads spinning beside the BLAS's would halve both
// on two cores).
template <class Body>
void for_each_block(Index count, const Body& body) {
  if (detail::blas_pool_handed_over()) {
    detail::SingleThreadedGemm single;
#pragma omp parallel
    {
      ScanBuffers buffers;
#pragma omp for schedule(dynamic)
      for (Index i = 0; i < count; ++i) body(i, buffers);
    }
  } else {
    ScanBuffers buffers;
    for (Index i = 0; i < count; ++i) body(i, buffers);
  }
}

// Scores query rows (global ids `qid`) against candidate rows `cv` (contiguous, global ids `cid`) and updates
// the top-k of queries top_offset.. . Runs on the calling thread (for_each_block's body).
void scan_block(const Space& sp, const float* qv, Index m, const std::int32_t* qid, const float* cv, Index nc,
                const std::int32_t* cid, std::vector<float>& buf, TopK& top, Index top_offset) {
  if (m == 0 || nc == 0) return;
  buf.resize(static_cast<std::size_t>(m * nc));
  detail::gemm_abt(qv, m, cv, nc, sp.v.cols, buf.data(), nc);
  for (Index a = 0; a < m; ++a) {
    const float* row = buf.data() + a * nc;
    for (Index b = 0; b < nc; ++b) {
      if (cid[b] == qid[a]) continue;
      top.push(top_offset + a, sp.score(row[b], cid[b]), cid[b]);
    }
  }
}

// Exact top-(k-1) others for the query rows `queries` (ids into x), against all n rows.
TopK exact_search(const Space& sp, const std::vector<std::int32_t>& queries, Index kk) {
  const Index n = sp.v.rows, d = sp.v.cols;
  const Index nq = static_cast<Index>(queries.size());
  TopK top(nq, kk);
  if (kk == 0) return top;
  const Index qb = 256, cb = 4096;
  for_each_block((nq + qb - 1) / qb, [&](Index block, ScanBuffers& buf) {
    const Index q0 = block * qb, m = std::min(qb, nq - q0);
    buf.rows.resize(static_cast<std::size_t>(m * d));
    buf.ids.resize(static_cast<std::size_t>(cb));
    for (Index a = 0; a < m; ++a)
      std::copy_n(sp.v.row(queries[static_cast<std::size_t>(q0 + a)]), d, buf.rows.data() + a * d);
    for (Index c0 = 0; c0 < n; c0 += cb) {
      const Index nc = std::min(cb, n - c0);
      for (Index b = 0; b < nc; ++b) buf.ids[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(c0 + b);
      scan_block(sp, buf.rows.data(), m, queries.data() + q0, sp.v.row(c0), nc, buf.ids.data(), buf.products, top, q0);
    }
  });
  return top;
}

// Assigns every row of `v` to the centroid with the largest 2<x,c> - ||c||^2 (nearest in L2).
std::vector<std::int32_t> assign(MatrixView v, const Matrix& cent) {
  const Index n = v.rows, L = cent.rows();
  std::vector<float> cn = detail::squared_norms(cent.view());
  std::vector<std::int32_t> out(static_cast<std::size_t>(n));
  const Index bs = 8192;
  std::vector<float> buf(static_cast<std::size_t>(bs * L));
  for (Index r0 = 0; r0 < n; r0 += bs) {
    const Index m = std::min(bs, n - r0);
    detail::gemm_abt(v.row(r0), m, cent.data(), L, v.cols, buf.data(), L);
#pragma omp parallel for schedule(static)
    for (Index a = 0; a < m; ++a) {
      const float* row = buf.data() + a * L;
      Index best = 0;
      float bs_ = -std::numeric_limits<float>::infinity();
      for (Index c = 0; c < L; ++c) {
        const float s = 2.0f * row[c] - cn[static_cast<std::size_t>(c)];
        if (s > bs_) {
          bs_ = s;
          best = c;
        }
      }
      out[static_cast<std::size_t>(r0 + a)] = static_cast<std::int32_t>(best);
    }
  }
  return out;
}

Matrix train_kmeans(MatrixView v, Index L, std::uint64_t seed) {
  Rng rng(seed);
  const Index n = v.rows, d = v.cols;
  const Index ns = std::min(n, std::max<Index>(L * 40, 1));
  std::vector<std::int64_t> sample = rng.sample_without_replacement(n, ns);
  Matrix xs(ns, d);
  for (Index i = 0; i < ns; ++i) std::copy_n(v.row(sample[static_cast<std::size_t>(i)]), d, xs.row(i));
  Matrix cent(L, d);
  for (Index c = 0; c < L; ++c) std::copy_n(xs.row(c), d, cent.row(c));  // sample is already shuffled
  std::vector<double> sum(static_cast<std::size_t>(L * d));
  std::vector<Index> count(static_cast<std::size_t>(L));
  for (int it = 0; it < 8; ++it) {
    std::vector<std::int32_t> a = assign(xs.view(), cent);
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (Index i = 0; i < ns; ++i) {
      const auto c = a[static_cast<std::size_t>(i)];
      ++count[static_cast<std::size_t>(c)];
      for (Index t = 0; t < d; ++t) sum[static_cast<std::size_t>(c * d + t)] += xs(i, t);
    }
    for (Index c = 0; c < L; ++c) {
      if (count[static_cast<std::size_t>(c)] == 0) {  // empty list: reseed on a random sample point
        std::copy_n(xs.row(static_cast<Index>(rng.uniform(static_cast<std::uint64_t>(ns)))), d, cent.row(c));
        continue;
      }
      for (Index t = 0; t < d; ++t)
        cent(c, t) = static_cast<float>(sum[static_cast<std::size_t>(c * d + t)] / count[static_cast<std::size_t>(c)]);
    }
  }
  return cent;
}

// One piece: k-means training, list assignment and probing share the centroids and lists; apart, they would
// only pass them around.
TopK ivf_search(const Space& sp, Index kk, Index nlist, Index nprobe, std::uint64_t seed) {
  const Index n = sp.v.rows, d = sp.v.cols;
  const Index L = std::min(n, nlist > 0 ? nlist : std::max<Index>(1, static_cast<Index>(2.0 * std::sqrt(n))));
  const Index P = std::min(L, std::max<Index>(1, nprobe));
  Matrix cent = train_kmeans(sp.v, L, seed);
  std::vector<std::int32_t> list_of = assign(sp.v, cent);

  // Lists as contiguous blocks of a permuted copy, so each probe is one GEMM.
  std::vector<Index> start(static_cast<std::size_t>(L + 1), 0);
  for (auto c : list_of) ++start[static_cast<std::size_t>(c) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
  {
    std::vector<Index> fill(start.begin(), start.end() - 1);
    for (Index i = 0; i < n; ++i)
      ids[static_cast<std::size_t>(fill[static_cast<std::size_t>(list_of[static_cast<std::size_t>(i)])]++)] =
          static_cast<std::int32_t>(i);
  }
  Matrix perm(n, d);
#pragma omp parallel for schedule(static)
  for (Index p = 0; p < n; ++p) std::copy_n(sp.v.row(ids[static_cast<std::size_t>(p)]), d, perm.row(p));

  // The P lists whose centroids are nearest each list's centroid (itself first).
  std::vector<float> cc(static_cast<std::size_t>(L * L));
  detail::gemm_abt(cent.data(), L, cent.data(), L, d, cc.data(), L);
  std::vector<float> cn = detail::squared_norms(cent.view());
  std::vector<std::int32_t> probes(static_cast<std::size_t>(L * P));
#pragma omp parallel for schedule(static)
  for (Index c = 0; c < L; ++c) {
    std::vector<std::int32_t> order(static_cast<std::size_t>(L));
    std::iota(order.begin(), order.end(), 0);
    auto key = [&](std::int32_t o) {
      return o == c ? std::numeric_limits<float>::infinity()
                    : 2.0f * cc[static_cast<std::size_t>(c * L + o)] - cn[static_cast<std::size_t>(o)];
    };
    std::partial_sort(order.begin(), order.begin() + P, order.end(),
                      [&](std::int32_t a, std::int32_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); });
    std::copy_n(order.begin(), P, probes.begin() + c * P);
  }

  TopK top(n, kk);  // indexed by permuted position; lists own disjoint query rows, so threads never share one
  for_each_block(L, [&](Index c, ScanBuffers& buf) {
    const Index q0 = start[static_cast<std::size_t>(c)], m = start[static_cast<std::size_t>(c) + 1] - q0;
    if (m == 0) return;
    buf.rows.clear();  // the candidates: the rows of the probed lists
    buf.ids.clear();
    for (Index t = 0; t < P; ++t) {
      const auto p = probes[static_cast<std::size_t>(c * P + t)];
      const Index b0 = start[static_cast<std::size_t>(p)], b1 = start[static_cast<std::size_t>(p) + 1];
      buf.rows.insert(buf.rows.end(), perm.row(b0), perm.row(b0) + (b1 - b0) * d);
      buf.ids.insert(buf.ids.end(), ids.begin() + b0, ids.begin() + b1);
    }
    scan_block(sp, perm.row(q0), m, ids.data() + q0, buf.rows.data(), static_cast<Index>(buf.ids.size()),
               buf.ids.data(), buf.products, top, q0);
  });
  // Back from permuted positions to element order.
  TopK out(n, kk);
  for (Index p = 0; p < n; ++p) {
    const auto i = ids[static_cast<std::size_t>(p)];
    std::copy_n(top.score.begin() + p * kk, kk, out.score.begin() + static_cast<Index>(i) * kk);
    std::copy_n(top.id.begin() + p * kk, kk, out.id.begin() + static_cast<Index>(i) * kk);
  }
  return out;
}

// IVF's recall: for a random sample of opts.recall_queries elements, the share of their exact neighbours that the
// approximate search found (seeded: the same sample every run).
double estimate_recall(const Space& sp, const TopK& top, Index others, const KnnOptions& opts) {
  const Index n = sp.v.rows;
  Rng rng(opts.seed ^ 0x5eed);
  const Index nq = std::min(n, opts.recall_queries);
  std::vector<std::int32_t> q;
  for (auto i : rng.sample_without_replacement(n, nq)) q.push_back(static_cast<std::int32_t>(i));
  TopK ex = exact_search(sp, q, others);
  Index hit = 0, total = 0;
  for (Index a = 0; a < nq; ++a) {
    const Index i = q[static_cast<std::size_t>(a)];
    for (Index t = 0; t < others; ++t) {
      const auto e = ex.id[static_cast<std::size_t>(a * others + t)];
      if (e < 0) continue;
      ++total;
      const auto* row = &top.id[static_cast<std::size_t>(i * others)];
      if (std::find(row, row + others, e) != row + others) ++hit;
    }
  }
  return total ? static_cast<double>(hit) / static_cast<double>(total) : 1.0;
}

// Refuses what the kNN kernel cannot do, with one line each.
void check_knn_options(MatrixView x, const KnnOptions& opts) {
  if (x.rows <= 0 || x.cols <= 0) throw invalid_argument("cannot search neighbours in an empty matrix");
  if (x.rows > std::numeric_limits<std::int32_t>::max())
    throw invalid_argument("kNN kernel supports at most 2^31-1 elements");
  if (opts.k < 1) throw invalid_argument(param("knn") + " must be at least 1, got " + std::to_string(opts.k));
  if (opts.metric == Metric::Euclidean)
    throw invalid_argument(
        "the kNN kernel does not support the euclidean metric (it needs the maximum distance "
        "over all pairs); use rbf or cosine");
  if (opts.metric == Metric::Precomputed)
    throw invalid_argument("the kNN kernel searches features; a precomputed similarity runs dense (drop " +
                           param("knn") + ")");
  if (opts.metric == Metric::Rbf && !(opts.rbf_kw > 0)) throw invalid_argument("rbf kernel width kw must be > 0");
}

// The rows of the kernel: each element itself first, then its neighbours by decreasing score (ties by index), scores
// turned into the metric's similarities.
std::vector<std::int32_t> assemble_rows(MatrixView x, const Space& sp, const TopK& top, Index k, const KnnOptions& opts,
                                        std::vector<float>& sims) {
  const Index n = x.rows;
  const Index others = k - 1;
  double scale = 0.0;
  if (opts.metric == Metric::Rbf) {
    const double mean_d2 = detail::mean_pairwise_d2(x, sp.sqnorm);
    scale = mean_d2 > 0 ? 1.0 / (opts.rbf_kw * mean_d2) : 0.0;
  }
  std::vector<std::int32_t> nb(static_cast<std::size_t>(n * k), -1);
  sims.assign(static_cast<std::size_t>(n * k), 0.0f);
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < n; ++j) {
    auto sim_of = [&](float score) -> float {
      switch (opts.metric) {
        case Metric::Cosine:
          return 0.5f + 0.5f * score;
        case Metric::Dot:
          return score;
        case Metric::Rbf: {
          const double d2 = std::max(0.0, static_cast<double>(sp.sqnorm[static_cast<std::size_t>(j)]) - score);
          return static_cast<float>(std::exp(-d2 * scale));
        }
        case Metric::Euclidean:
        case Metric::Precomputed:
          break;  // refused above
      }
      return 0.0f;
    };
    // Itself first, with its own similarity (the score of a row with itself is its inner product).
    float self_ip = 0.0f;
    for (Index t = 0; t < x.cols; ++t) self_ip += sp.v(j, t) * sp.v(j, t);
    nb[static_cast<std::size_t>(j * k)] = static_cast<std::int32_t>(j);
    sims[static_cast<std::size_t>(j * k)] = opts.metric == Metric::Rbf ? 1.0f : sim_of(self_ip);
    std::vector<std::pair<float, std::int32_t>> row;
    for (Index t = 0; t < others; ++t) {
      const auto id = top.id[static_cast<std::size_t>(j * others + t)];
      if (id >= 0) row.emplace_back(top.score[static_cast<std::size_t>(j * others + t)], id);
    }
    std::sort(row.begin(), row.end(),
              [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (std::size_t t = 0; t < row.size(); ++t) {
      nb[static_cast<std::size_t>(j * k) + 1 + t] = row[t].second;
      sims[static_cast<std::size_t>(j * k) + 1 + t] = sim_of(row[t].first);
    }
  }
  return nb;
}

}  // namespace

std::vector<std::int32_t> knn_search(MatrixView x, const KnnOptions& opts, std::vector<float>& sims, KnnStats* stats) {
  Stopwatch sw;
  check_knn_options(x, opts);
  const Index n = x.rows;
  const Index k = std::min(opts.k, n);
  const Index others = k - 1;
  Space sp = make_space(x, opts.metric);

  const bool exact = opts.method == KnnMethod::Exact || (opts.method == KnnMethod::Auto && n <= opts.exact_limit);
  TopK top(0, 0);
  double recall = 1.0;
  if (exact) {
    std::vector<std::int32_t> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    top = exact_search(sp, all, others);
  } else {
    top = ivf_search(sp, others, opts.nlist, opts.nprobe, opts.seed);
    recall = opts.recall_queries > 0 && others > 0 ? estimate_recall(sp, top, others, opts) : -1.0;
  }

  std::vector<std::int32_t> nb = assemble_rows(x, sp, top, k, opts, sims);
  if (stats) {
    stats->exact = exact;
    stats->recall = recall;
    stats->seconds = sw.seconds();
  }
  return nb;
}

SparseKernel make_knn_kernel(MatrixView x, const KnnOptions& opts, KnnStats* stats) {
  std::vector<float> sims;
  std::vector<std::int32_t> nb = knn_search(x, opts, sims, stats);
  return SparseKernel(x.rows, std::min(opts.k, x.rows), nb, sims);
}

SparseKernel::SparseKernel(Index n, Index k, const std::vector<std::int32_t>& neighbours,
                           const std::vector<float>& sims)
    : n_(n) {
  CORDS_CHECK(neighbours.size() == static_cast<std::size_t>(n * k) && sims.size() == neighbours.size(),
              "neighbour table must be n x k");
  offsets_.assign(static_cast<std::size_t>(n + 1), 0);
  for (auto i : neighbours)
    if (i >= 0) {
      CORDS_CHECK(i < n, "neighbour index " << i << " out of range");
      ++offsets_[static_cast<std::size_t>(i) + 1];
    }
  std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
  entries_.resize(static_cast<std::size_t>(offsets_.back()));
  std::vector<std::int64_t> fill(offsets_.begin(), offsets_.end() - 1);
  float lo = std::numeric_limits<float>::infinity();
  for (Index j = 0; j < n; ++j)
    for (Index t = 0; t < k; ++t) {
      const auto i = neighbours[static_cast<std::size_t>(j * k + t)];
      if (i < 0) continue;
      const float s = sims[static_cast<std::size_t>(j * k + t)];
      entries_[static_cast<std::size_t>(fill[static_cast<std::size_t>(i)]++)] = Entry{static_cast<std::int32_t>(j), s};
      lo = std::min(lo, s);
    }
  min_ = entries_.empty() ? 0.0f : lo;
}

}  // namespace cords::select
