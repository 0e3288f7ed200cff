#include "cords/train/dist.h"

#include "cords/core/error.h"

#ifdef CORDS_HAVE_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace cords::train {

#ifdef CORDS_HAVE_GLOO
namespace {

class GlooCommunicator final : public Communicator {
 public:
  GlooCommunicator(const std::string& path, int rank, int world) : rank_(rank), world_(world) {
    auto store = c10::make_intrusive<c10d::FileStore>(path, world);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, options);
  }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  void allreduce_sum(std::vector<at::Tensor>& tensors) override {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t};
      group_->allreduce(one)->wait();
    }
  }
  void broadcast(at::Tensor& t, int root) override {
    std::vector<at::Tensor> one{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    group_->broadcast(one, o)->wait();
  }

 private:
  int rank_, world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace
#endif

std::unique_ptr<Communicator> make_communicator(const std::string& store, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw invalid_argument(param("rank") + " must be in [0, " + param("world_size") + ")");
  if (world == 1) return nullptr;
  if (store.empty())
    throw invalid_argument(param("world_size") + " > 1 needs " + param("dist_store", "FILE") +
                           " (a path every rank can reach)");
#ifdef CORDS_HAVE_GLOO
  return std::make_unique<GlooCommunicator>(store, rank, world);
#else
  throw invalid_argument(
      "this build has no c10d/Gloo (install libgloo-dev and rebuild) and cannot train across processes");
#endif
}

}  // namespace cords::train
