#pragma once
// Dense row-major float matrices. Layout, written once for the whole project: an n x d matrix stores element
// (i, j) at data[i * d + j]; row i is sample i. Storage is 64-byte aligned so rows can be streamed with SIMD.
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
  Matrix(Index rows, Index cols) : rows_(rows), cols_(cols), data_(allocate(size_of(rows, cols))) {}
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
  static std::unique_ptr<float[], Free> allocate(std::size_t n) {
    if (n == 0) return nullptr;
    std::size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    std::unique_ptr<float[], Free> out(static_cast<float*>(p));
    for (std::size_t i = 0; i < n; ++i) out[i] = 0.0f;
    return out;
  }

  Index rows_ = 0;
  Index cols_ = 0;
  std::unique_ptr<float[], Free> data_;
};

}  // namespace cords
