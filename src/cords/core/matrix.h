#pragma once
// Dense row-major float matrices. Layout, written once for the whole project: an n x d matrix stores element
// (i, j) at data[i * d + j]; row i is sample i. Storage is 64-byte aligned so rows can be streamed with SIMD.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace cords {

using Index = std::int64_t;

/// A non-owning view of an n x d row-major float matrix. The viewed storage must outlive the view.
struct MatrixView {
  const float* data = nullptr;
  Index rows = 0;
  Index cols = 0;
  const float* row(Index i) const { return data + static_cast<std::size_t>(i) * static_cast<std::size_t>(cols); }
  float operator()(Index i, Index j) const { return row(i)[j]; }
};

/// An owning, 64-byte aligned n x d row-major float matrix. Move-only; zero-initialised.
class Matrix {
 public:
  Matrix() = default;
  /// Throws std::bad_alloc when rows x cols floats cannot be allocated (or the count overflows).
  Matrix(Index rows, Index cols) : rows_(rows), cols_(cols), data_(allocate(checked_size(rows, cols), true)) {}
  /// A matrix whose elements are left uninitialised, for callers that write every element first (kernels).
  static Matrix uninitialized(Index rows, Index cols) { return Matrix(rows, cols, false); }
  Matrix(Matrix&&) noexcept = default;
  Matrix& operator=(Matrix&&) noexcept = default;
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  std::size_t size() const { return size_of(rows_, cols_); }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  float* row(Index i) { return data_.get() + static_cast<std::size_t>(i) * static_cast<std::size_t>(cols_); }
  const float* row(Index i) const {
    return data_.get() + static_cast<std::size_t>(i) * static_cast<std::size_t>(cols_);
  }
  float& operator()(Index i, Index j) { return row(i)[j]; }
  float operator()(Index i, Index j) const { return row(i)[j]; }
  MatrixView view() const { return MatrixView{data_.get(), rows_, cols_}; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  static std::size_t size_of(Index r, Index c) { return static_cast<std::size_t>(r) * static_cast<std::size_t>(c); }
  // Elements of an r x c matrix; throws std::bad_alloc when negative or when r * c floats cannot be addressed.
  static std::size_t checked_size(Index r, Index c) {
    constexpr std::size_t kMax = static_cast<std::size_t>(-1) / sizeof(float) / 2;
    if (r < 0 || c < 0 || (c != 0 && static_cast<std::size_t>(r) > kMax / static_cast<std::size_t>(c)))
      throw std::bad_alloc();
    return size_of(r, c);
  }
  Matrix(Index rows, Index cols, bool zero)
      : rows_(rows), cols_(cols), data_(allocate(checked_size(rows, cols), zero)) {}
  static std::unique_ptr<float[], Free> allocate(std::size_t n, bool zero) {
    if (n == 0) return nullptr;
    // Large matrices (kernels) go on 2 MiB-aligned storage and ask for transparent huge pages: fewer page
    // faults when first written and fewer TLB misses when rows are read in random order.
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    const std::size_t align = n * sizeof(float) >= 16 * kHuge ? kHuge : 64;
    const std::size_t bytes = ((n * sizeof(float) + align - 1) / align) * align;
    void* p = std::aligned_alloc(align, bytes);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (align == kHuge) ::madvise(p, bytes, MADV_HUGEPAGE);  // advisory: ignore failure
#endif
    std::unique_ptr<float[], Free> out(static_cast<float*>(p));
    if (zero)
      for (std::size_t i = 0; i < n; ++i) out[i] = 0.0f;
    return out;
  }

  Index rows_ = 0;
  Index cols_ = 0;
  std::unique_ptr<float[], Free> data_;
};

}  // namespace cords
