#pragma once
// Checkpoint fields (docs/training.md, "--resume"): one list of fields serves both the save and the load. Each part
// of a run (the loop, the model and optimizer, a strategy) lists its fields once, in a `fields(CheckpointIO&)`
// function; a writer stores them, a reader reads each back, checked (type, size, range), so that a damaged or
// hand-made file is refused with the field's name instead of resuming into a wrong result.
#include <torch/serialize/archive.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cords {
class Rng;
}

namespace cords::train {

class CheckpointIO {
 public:
  /// Fields are written into `a`.
  explicit CheckpointIO(torch::serialize::OutputArchive& a) : out_(&a) {}
  /// Fields are read from `a`, a file at `path` (named in errors).
  CheckpointIO(torch::serialize::InputArchive& a, std::string path) : in_(&a), path_(std::move(path)) {}

  bool loading() const { return in_ != nullptr; }

  /// An integer in [lo, hi].
  void integer(const std::string& key, std::int64_t& v, std::int64_t lo = 0,
               std::int64_t hi = std::numeric_limits<std::int64_t>::max());
  void integer(const std::string& key, int& v, int lo = 0, int hi = std::numeric_limits<int>::max());
  void flag(const std::string& key, bool& v);
  void json_text(const std::string& key, nlohmann::json& v);
  /// Integers, each in [lo, hi].
  void longs(const std::string& key, std::vector<std::int64_t>& v, std::int64_t lo, std::int64_t hi);
  /// Finite numbers >= 0.
  void weights(const std::string& key, std::vector<float>& v);
  /// Finite numbers, exactly v.size() of them (the size stays as it is).
  void numbers(const std::string& key, std::vector<double>& v);
  /// 0 or 1 each, exactly v.size() of them ("is of another train set" otherwise).
  void bits(const std::string& key, std::vector<char>& v);
  /// A tensor of t's shape, read into t in place; `finite`: no NaN or infinite value.
  void tensor(const std::string& key, at::Tensor& t, bool finite = false);
  /// A tensor stored as it is (read back whole, any shape).
  void raw(const std::string& key, at::Tensor& t);
  void rngs(const std::string& key, Rng& a, Rng& b);
  /// A nested archive (an optimizer's state).
  template <class T>
  void nested(const std::string& key, T& obj) {
    if (loading()) {
      torch::serialize::InputArchive sub;
      in_->read(key, sub);
      obj.load(sub);
    } else {
      torch::serialize::OutputArchive sub;
      obj.save(sub);
      out_->write(key, sub);
    }
  }

  /// Throws Error{InputUnreadable}: "checkpoint 'PATH' is malformed (what); delete it to start the run over".
  [[noreturn]] void malformed(const std::string& what) const;

 private:
  at::Tensor read_tensor(const std::string& key) const;
  c10::IValue read_value(const std::string& key) const;

  torch::serialize::OutputArchive* out_ = nullptr;
  torch::serialize::InputArchive* in_ = nullptr;
  std::string path_;
};

/// How much of LibTorch's message a checkpoint error quotes (its first line, core/text.h's first_line).
inline constexpr std::size_t kQuotedMessage = 200;

}  // namespace cords::train
