#include "cords/core/error.h"
#include "cords/select/functions.h"

namespace cords::select {
namespace {

// f = sum_t w_t f_t; every component keeps its own memo.
class Mixture final : public SetFunction {
 public:
  Mixture(std::vector<std::unique_ptr<SetFunction>> parts, std::vector<double> w)
      : SetFunction(parts.empty() ? 0 : parts.front()->size()), parts_(std::move(parts)), w_(std::move(w)) {
    if (parts_.empty()) throw invalid_argument("a mixture needs at least one function");
    if (parts_.size() != w_.size()) throw invalid_argument("a mixture needs one weight per function");
    for (auto& p : parts_)
      if (p->size() != parts_.front()->size()) throw invalid_argument("mixture components must share the ground set");
  }
  std::string name() const override {
    std::string s;
    for (std::size_t t = 0; t < parts_.size(); ++t)
      s += (t ? "+" : "") + std::to_string(w_[t]) + "*" + parts_[t]->name();
    return s;
  }
  Index size() const override { return parts_.front()->size(); }
  FunctionTraits traits() const override {
    FunctionTraits tr{true, true};
    for (std::size_t t = 0; t < parts_.size(); ++t) {
      tr.monotone = tr.monotone && parts_[t]->traits().monotone && w_[t] >= 0;
      tr.submodular = tr.submodular && parts_[t]->traits().submodular && w_[t] >= 0;
    }
    return tr;
  }
  double evaluate(const std::vector<Index>& subset) const override {
    double v = 0.0;
    for (std::size_t t = 0; t < parts_.size(); ++t) v += w_[t] * parts_[t]->evaluate(subset);
    return v;
  }
  double gain(Index i) const override {
    double v = 0.0;
    for (std::size_t t = 0; t < parts_.size(); ++t) v += w_[t] * parts_[t]->gain(i);
    return v;
  }

 protected:
  void update(Index i) override {
    for (auto& p : parts_) p->add(i);
  }
  void clear() override {
    for (auto& p : parts_) p->reset();
  }

 private:
  std::vector<std::unique_ptr<SetFunction>> parts_;
  std::vector<double> w_;
};

}  // namespace

std::unique_ptr<SetFunction> mixture(std::vector<std::unique_ptr<SetFunction>> components,
                                     std::vector<double> weights) {
  return std::make_unique<Mixture>(std::move(components), std::move(weights));
}

}  // namespace cords::select
