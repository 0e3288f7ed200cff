#pragma once
// Data-parallel training across processes with LibTorch's c10d: Gloo (CPU tensors) through a file store shared by
// the ranks. Built when the Gloo headers are there (CORDS_HAVE_GLOO); otherwise make_communicator refuses world > 1.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

namespace cords::train {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  /// In-place sum over ranks of each tensor (CPU, contiguous).
  virtual void allreduce_sum(std::vector<at::Tensor>& tensors) = 0;
  /// In-place broadcast of `t` from `root` (CPU, contiguous; same shape and dtype on every rank).
  virtual void broadcast(at::Tensor& t, int root) = 0;
};

/// world == 1: nullptr (no communication). Else a Gloo process group; `store` is a file path every rank can
/// reach (a shared file system across machines). Throws Error{InvalidArgument} for a bad rank/world or a build
/// without Gloo.
std::unique_ptr<Communicator> make_communicator(const std::string& store, int rank, int world);

}  // namespace cords::train
