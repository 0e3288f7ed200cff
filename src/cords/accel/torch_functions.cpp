#include "cords/accel/torch_functions.h"

#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cords/core/error.h"
#ifdef CORDS_HAVE_CUDA_SWEEP
#include "cords/accel/cuda/sweep.h"
#endif

namespace cords::accel {
namespace {

constexpr std::int64_t kChunkRows = 512;  // rows per fused sweep step: small temporaries, few launches

at::Tensor indices(const Index* cand, Index m, const at::Device& dev) {
  return at::from_blob(const_cast<Index*>(cand), {m}, at::kLong).to(dev);
}

/// A fused device sweep (cuda/sweep.h) or nullptr where there is none.
using FusedSweep = int (*)(const void*, std::int64_t, const float*, const std::int64_t*, std::int64_t, float*, void*);

// Common state: the kernel on the device and a float memo vector of length n.
class TorchFunction : public select::SetFunction {
 protected:
  explicit TorchFunction(at::Tensor k)
      : SetFunction(k.size(0)),
        k_(std::move(k)),
        n_(k_.size(0)),
        memo_(at::zeros({n_}, k_.options().dtype(at::kFloat))) {
    if (k_.dim() != 2 || k_.size(0) != k_.size(1)) throw invalid_argument("a device kernel must be a square matrix");
  }
  Index size() const override { return n_; }
  select::FunctionTraits traits() const override { return {true, true}; }

  /// gains of candidates: term(rows, operand) summed over columns, for rows of the kernel. With a fused CUDA
  /// sweep (fp16 kernel on a CUDA device) one launch reads each requested row once; otherwise chunked ATen ops.
  template <class Term>
  void sweep(const Index* cand, Index m, double* out, Term term, FusedSweep fused, const at::Tensor& operand) const {
    c10::NoGradGuard no_grad;
    const bool most = m == n_ - static_cast<Index>(selected().size()) && m > n_ / 2;
    at::Tensor result;
    if (fused && k_.is_cuda() && k_.scalar_type() == at::kHalf && k_.is_contiguous()) {
      const at::Tensor op = operand.to(at::kFloat).contiguous();
      at::Tensor rows;
      if (!most) rows = indices(cand, m, k_.device());
      at::Tensor all = at::empty({most ? n_ : m}, memo_.options());
      // nullptr stream: LibTorch's current stream is the legacy default stream unless a caller sets another.
      const int rc = fused(k_.data_ptr(), n_, op.data_ptr<float>(), most ? nullptr : rows.data_ptr<std::int64_t>(),
                           all.size(0), all.data_ptr<float>(), nullptr);
      if (rc != 0) throw Error(ErrorKind::Internal, "CUDA gain sweep failed: " + cuda_error(rc));
      result = most ? all.index_select(0, indices(cand, m, k_.device())) : all;
    } else if (most) {
      // Most rows asked for: sweep every row in chunks (contiguous reads), then gather the candidates.
      at::Tensor all = at::empty({n_}, memo_.options());
      for (std::int64_t r0 = 0; r0 < n_; r0 += kChunkRows) {
        const std::int64_t len = std::min(kChunkRows, n_ - r0);
        all.narrow(0, r0, len).copy_(term(k_.narrow(0, r0, len)).sum(1));
      }
      result = all.index_select(0, indices(cand, m, k_.device()));
    } else {
      result = term(k_.index_select(0, indices(cand, m, k_.device()))).sum(1);
    }
    const at::Tensor host = result.to(at::kCPU, at::kDouble).contiguous();
    std::copy_n(host.data_ptr<double>(), m, out);
  }
  static std::string cuda_error(int rc) {
#ifdef CORDS_HAVE_CUDA_SWEEP
    return cuda::error_string(rc);
#else
    return "error " + std::to_string(rc);
#endif
  }
  double single(Index i) const {
    double g = 0.0;
    gains(&i, 1, &g);
    return g;
  }

  at::Tensor k_;
  std::int64_t n_;
  at::Tensor memo_;
};

#ifdef CORDS_HAVE_CUDA_SWEEP
constexpr auto fused_fl = [] { return &cuda::facility_location_sweep; };
constexpr auto fused_sc = [] { return &cuda::saturated_coverage_sweep; };
#else
constexpr auto fused_fl = [] { return static_cast<FusedSweep>(nullptr); };
constexpr auto fused_sc = fused_fl;
#endif

// m_j = max_{i in S} s_ij; gain(i) = sum_j max(0, s_ij - m_j).
class TorchFacilityLocation final : public TorchFunction {
 public:
  explicit TorchFacilityLocation(at::Tensor k) : TorchFunction(std::move(k)) {
    if (k_.min().item<double>() < 0)
      throw invalid_argument("facility-location needs non-negative similarities; use cosine, euclidean or rbf");
  }
  std::string name() const override { return "facility-location"; }
  double evaluate(const std::vector<Index>& subset) const override {
    if (subset.empty()) return 0.0;
    c10::NoGradGuard no_grad;
    const at::Tensor rows = k_.index_select(0, indices(subset.data(), static_cast<Index>(subset.size()), k_.device()));
    return std::get<0>(rows.to(at::kFloat).max(0)).sum(at::kDouble).item<double>();
  }
  double gain(Index i) const override { return single(i); }
  void gains(const Index* cand, Index m, double* out) const override {
    sweep(
        cand, m, out, [this](const at::Tensor& rows) { return (rows.to(at::kFloat) - memo_).clamp_min_(0); },
        fused_fl(), memo_);
  }

 protected:
  void update(Index i) override { at::maximum_out(memo_, memo_, k_[i].to(at::kFloat)); }
  void clear() override { memo_.zero_(); }
};

// c_j = sum_{i in S} s_ij, cap_j = alpha sum_i s_ij; gain(i) = sum_j min(s_ij, max(0, cap_j - c_j)).
class TorchSaturatedCoverage final : public TorchFunction {
 public:
  TorchSaturatedCoverage(at::Tensor k, double alpha) : TorchFunction(std::move(k)) {
    if (!(alpha > 0 && alpha <= 1)) throw invalid_argument("saturated-coverage alpha must be in (0, 1]");
    if (k_.min().item<double>() < 0) throw invalid_argument("saturated-coverage needs non-negative similarities");
    cap_ = k_.sum(0, false, at::kFloat) * alpha;
  }
  std::string name() const override { return "saturated-coverage"; }
  double evaluate(const std::vector<Index>& subset) const override {
    if (subset.empty()) return 0.0;
    c10::NoGradGuard no_grad;
    const at::Tensor rows = k_.index_select(0, indices(subset.data(), static_cast<Index>(subset.size()), k_.device()));
    return at::minimum(rows.sum(0, false, at::kFloat), cap_).sum(at::kDouble).item<double>();
  }
  double gain(Index i) const override { return single(i); }
  void gains(const Index* cand, Index m, double* out) const override {
    const at::Tensor room = (cap_ - memo_).clamp_min(0);
    sweep(
        cand, m, out, [&room](const at::Tensor& rows) { return at::minimum(rows.to(at::kFloat), room); }, fused_sc(),
        room);
  }

 protected:
  void update(Index i) override { memo_.add_(k_[i].to(at::kFloat)); }
  void clear() override { memo_.zero_(); }

 private:
  at::Tensor cap_;
};

}  // namespace

at::Device resolve_device(const std::string& name) {
  if (name == "auto") return at::hasCUDA() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
  try {
    at::Device d(name);
    if (d.is_cuda() && !at::hasCUDA())
      throw invalid_argument(param("device", name) + " requested but no CUDA device is available (use auto or cpu)");
    if (!d.is_cuda() && !d.is_cpu())
      throw invalid_argument("unsupported " + param("device") + " '" + name + "'; valid: auto, cpu, cuda, cuda:N");
    return d;
  } catch (const c10::Error&) {
    throw invalid_argument("unknown " + param("device") + " '" + name + "'; valid: auto, cpu, cuda, cuda:N");
  }
}

at::Tensor torch_dense_kernel(MatrixView x, const TorchKernelOptions& opts) {
  if (x.rows <= 0 || x.cols <= 0) throw invalid_argument("cannot build a kernel of an empty matrix");
  const at::Device dev = resolve_device(opts.device);
  c10::NoGradGuard no_grad;
  const at::Tensor xs =
      at::from_blob(const_cast<float*>(x.data), {x.rows, x.cols}, at::kFloat).to(dev, at::kFloat, false, true);
  at::Tensor s;
  switch (opts.metric) {
    case select::Metric::Cosine: {
      const at::Tensor norm = xs.norm(2, {1}, true);
      const at::Tensor y = xs / at::where(norm > 0, norm, at::ones_like(norm));
      s = at::mm(y, y.t()).mul_(0.5).add_(0.5);
      break;
    }
    case select::Metric::Dot:
      s = at::mm(xs, xs.t());
      break;
    case select::Metric::Precomputed:
      s = xs;
      break;
    case select::Metric::Euclidean:
    case select::Metric::Rbf: {
      const at::Tensor sq = (xs * xs).sum(1);
      at::Tensor d2 = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * at::mm(xs, xs.t())).clamp_min_(0);
      d2.fill_diagonal_(0);
      if (opts.metric == select::Metric::Euclidean) {
        s = d2.max() - d2;
      } else {
        const double n = static_cast<double>(x.rows);
        const double mean = n > 1 ? d2.sum(at::kDouble).item<double>() / (n * (n - 1)) : 0.0;
        s = mean > 0 ? at::exp(d2 / -(opts.rbf_kw * mean)) : at::ones_like(d2);
        s.fill_diagonal_(1.0);
      }
      break;
    }
  }
  return s.to(opts.dtype).contiguous();
}

std::unique_ptr<select::SetFunction> torch_facility_location(at::Tensor kernel) {
  return std::make_unique<TorchFacilityLocation>(std::move(kernel));
}
std::unique_ptr<select::SetFunction> torch_saturated_coverage(at::Tensor kernel, double alpha) {
  return std::make_unique<TorchSaturatedCoverage>(std::move(kernel), alpha);
}

}  // namespace cords::accel
