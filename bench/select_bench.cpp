// Selection benchmark: one case per process (so peak memory is the case's own), JSON lines on stdout.
//   select_bench --n N --d D --fraction F [--clusters C] [--seed S] [--optimizers lazy,naive,...]
//                [--knn K] [--knn-method auto|exact|ivf] [--sgemm] [--threads T] [--library-only]
// Data: Gaussian blobs (C centres ~ N(0, 4^2 I), points ~ centre + N(0, I)). Function: facility location,
// cosine. With --sgemm it first times the n x n x d SGEMM that computes all inner products (the floor of any
// exact dense method), in the same process, so the ratio kernel+greedy / SGEMM is taken in one run.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "cords/core/blas_cpu.h"
#include "cords/core/rng.h"
#include "cords/core/timer.h"
#include "cords/select/functions.h"
#include "cords/select/gemm.h"
#include "cords/select/optimizer.h"
#include "cords/select/registry.h"
#include "cords/select/selection.h"

using namespace cords;
using namespace cords::select;

namespace {

struct Args {
  Index n = 1000, d = 512, clusters = 0, knn = 0, probes = 32;
  double fraction = 0.05;
  std::uint64_t seed = 1;
  std::string optimizers = "naive,lazy,stochastic,lazier-than-lazy,random";
  std::string knn_method = "auto";
  bool sgemm = false;
  bool library_only = false;  ///< --library-only: no set_threads, as a program that embeds the library runs it
  int threads = 0;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--n")
      a.n = std::stoll(next());
    else if (k == "--d")
      a.d = std::stoll(next());
    else if (k == "--clusters")
      a.clusters = std::stoll(next());
    else if (k == "--fraction")
      a.fraction = std::stod(next());
    else if (k == "--seed")
      a.seed = std::stoull(next());
    else if (k == "--optimizers")
      a.optimizers = next();
    else if (k == "--knn")
      a.knn = std::stoll(next());
    else if (k == "--knn-method")
      a.knn_method = next();
    else if (k == "--knn-probes")
      a.probes = std::stoll(next());
    else if (k == "--threads")
      a.threads = std::stoi(next());
    else if (k == "--sgemm")
      a.sgemm = true;
    else if (k == "--library-only")
      a.library_only = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.clusters == 0) a.clusters = std::max<Index>(10, a.n / 200);
  return a;
}

Matrix blobs(const Args& a) {
  Rng rng(a.seed);
  Matrix centres(a.clusters, a.d), x(a.n, a.d);
  for (Index c = 0; c < a.clusters; ++c)
    for (Index t = 0; t < a.d; ++t) centres(c, t) = static_cast<float>(4.0 * rng.normal());
  for (Index i = 0; i < a.n; ++i) {
    const Index c = static_cast<Index>(rng.uniform(static_cast<std::uint64_t>(a.clusters)));
    for (Index t = 0; t < a.d; ++t) x(i, t) = centres(c, t) + static_cast<float>(rng.normal());
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  cords::tune_openblas_core();
  const Args a = parse(argc, argv);
  if (!a.library_only) set_threads(a.threads);
  const Matrix x = blobs(a);
  const Index k = Budget::fraction(a.fraction).resolve(a.n);

  double sgemm_s = -1;
  if (a.sgemm) {
    Matrix c(a.n, a.n);
    Stopwatch sw;
    detail::gemm_abt(x.data(), a.n, x.data(), a.n, a.d, c.data(), a.n);
    sgemm_s = sw.seconds();
  }

  Stopwatch kw;
  KnnStats knn_stats;
  std::unique_ptr<SetFunction> f;
  std::size_t kernel_bytes = 0;
  if (a.knn > 0) {
    KnnOptions o;
    o.k = a.knn;
    o.seed = a.seed;
    o.nprobe = a.probes;
    o.method = a.knn_method == "exact" ? KnnMethod::Exact : a.knn_method == "ivf" ? KnnMethod::Ivf : KnnMethod::Auto;
    auto sk = std::make_shared<const SparseKernel>(make_knn_kernel(x.view(), o, &knn_stats));
    kernel_bytes = sk->nonzeros() * sizeof(SparseKernel::Entry);
    f = facility_location(sk);
  } else {
    auto dk = std::make_shared<const DenseKernel>(make_dense_kernel(x.view(), {Metric::Cosine, 0.1}));
    kernel_bytes = static_cast<std::size_t>(a.n) * static_cast<std::size_t>(a.n) * sizeof(float);
    f = facility_location(dk);
  }
  const double kernel_s = kw.seconds();

  std::stringstream ss(a.optimizers);
  std::string name;
  while (std::getline(ss, name, ',')) {
    GreedyOptions o;
    o.seed = a.seed;
    Stopwatch gw;
    const Selection s = make_optimizer(name)->maximize(*f, k, o);
    const double greedy_s = gw.seconds();
    std::printf(
        "{\"n\": %lld, \"d\": %lld, \"clusters\": %lld, \"k\": %lld, \"kernel\": \"%s\", \"optimizer\": \"%s\", "
        "\"kernel_s\": %.4f, "
        "\"greedy_s\": %.4f, \"objective\": %.6f, \"evaluations\": %lld, \"kernel_bytes\": %zu, "
        "\"peak_rss_bytes\": %lld, \"sgemm_s\": %.4f, \"gemm_backend\": \"%s\", \"knn_recall\": %.4f, \"knn_exact\": "
        "%s}\n",
        static_cast<long long>(a.n), static_cast<long long>(a.d), static_cast<long long>(a.clusters),
        static_cast<long long>(k), a.knn > 0 ? "knn" : "dense", name.c_str(), kernel_s, greedy_s, s.objective,
        static_cast<long long>(s.evaluations), kernel_bytes, peak_rss_bytes(), sgemm_s, detail::gemm_backend().c_str(),
        a.knn > 0 ? knn_stats.recall : 1.0, a.knn > 0 && !knn_stats.exact ? "false" : "true");
    std::fflush(stdout);
  }
  return 0;
}
