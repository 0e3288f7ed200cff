#include "cords/train/checkpoint.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "cords/core/error.h"
#include "cords/core/rng.h"
#include "cords/core/text.h"

namespace cords::train {

void CheckpointIO::malformed(const std::string& what) const {
  throw Error(ErrorKind::InputUnreadable,
              "checkpoint '" + path_ + "' is malformed (" + what + "); delete it to start the run over");
}

// (each read into a fresh tensor: reading into a defined one would set_ it to the stored data in place)
at::Tensor CheckpointIO::read_tensor(const std::string& key) const {
  at::Tensor x;
  in_->read(key, x);
  return x.to(at::kCPU).contiguous();
}

c10::IValue CheckpointIO::read_value(const std::string& key) const {
  c10::IValue x;
  in_->read(key, x);
  return x;
}

void CheckpointIO::integer(const std::string& key, std::int64_t& v, std::int64_t lo, std::int64_t hi) {
  if (!loading()) return out_->write(key, c10::IValue(v));
  const c10::IValue x = read_value(key);
  if (!x.isInt()) malformed(key + " is not an integer");
  if (x.toInt() < lo || x.toInt() > hi) malformed(key + " out of range");
  v = x.toInt();
}

void CheckpointIO::integer(const std::string& key, int& v, int lo, int hi) {
  std::int64_t w = v;
  integer(key, w, lo, hi);
  v = static_cast<int>(w);
}

void CheckpointIO::flag(const std::string& key, bool& v) {
  if (!loading()) return out_->write(key, c10::IValue(v));
  const c10::IValue x = read_value(key);
  if (!x.isBool()) malformed(key + " is not a boolean");
  v = x.toBool();
}

void CheckpointIO::json_text(const std::string& key, nlohmann::json& v) {
  if (!loading()) return out_->write(key, c10::IValue(v.dump()));
  const c10::IValue x = read_value(key);
  if (!x.isString()) malformed(key + " is not text");
  v = nlohmann::json::parse(x.toStringRef(), nullptr, false);
  if (v.is_discarded()) malformed(key + " is not JSON");
}

void CheckpointIO::longs(const std::string& key, std::vector<std::int64_t>& v, std::int64_t lo, std::int64_t hi) {
  if (!loading()) return out_->write(key, at::tensor(v, at::kLong));
  const at::Tensor t = read_tensor(key);
  if (t.scalar_type() != at::kLong || t.dim() != 1) malformed(key + " is not a list of 64-bit integers");
  v.assign(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
  if (!std::all_of(v.begin(), v.end(), [&](std::int64_t i) { return i >= lo && i <= hi; }))
    malformed(key + " holds values outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

void CheckpointIO::weights(const std::string& key, std::vector<float>& v) {
  if (!loading()) return out_->write(key, at::tensor(v, at::kFloat));
  const at::Tensor t = read_tensor(key);
  if (t.scalar_type() != at::kFloat || t.dim() != 1) malformed(key + " is not a list of 32-bit floats");
  v.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  for (float w : v)
    if (!std::isfinite(w) || w < 0) malformed(key + " holds a negative, NaN or infinite weight");
}

void CheckpointIO::numbers(const std::string& key, std::vector<double>& v) {
  if (!loading()) return out_->write(key, at::tensor(v, at::kDouble));
  const at::Tensor t = read_tensor(key);
  if (t.scalar_type() != at::kDouble || t.numel() != static_cast<std::int64_t>(v.size()))
    malformed(key + " is not " + std::to_string(v.size()) + " 64-bit floats");
  std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), v.begin());
  for (double d : v)
    if (!std::isfinite(d)) malformed(key + " holds a NaN or infinite value");
}

void CheckpointIO::bits(const std::string& key, std::vector<char>& v) {
  if (!loading())
    return out_->write(key, at::from_blob(v.data(), {static_cast<std::int64_t>(v.size())}, at::kChar).clone());
  const at::Tensor t = read_tensor(key);
  if (t.scalar_type() != at::kChar) malformed(key + " is not a list of bytes");
  if (t.numel() != static_cast<std::int64_t>(v.size()))
    throw invalid_argument(param("resume") + ": the checkpoint is of another train set");
  std::copy(t.data_ptr<std::int8_t>(), t.data_ptr<std::int8_t>() + t.numel(), v.begin());
  for (char c : v)
    if (c != 0 && c != 1) malformed(key + " holds values other than 0 and 1");
}

void CheckpointIO::tensor(const std::string& key, at::Tensor& t, bool finite) {
  if (!loading()) return out_->write(key, t.detach().to(at::kCPU));
  at::Tensor x;
  in_->read(key, x);
  if (!x.sizes().equals(t.sizes()) || x.scalar_type() != t.scalar_type())
    throw invalid_argument(param("resume") + ": the checkpoint's " + key + " has another shape");
  if (finite && x.is_floating_point() && !at::isfinite(x).all().item<bool>())
    malformed(key + " holds NaN or infinite values");
  const c10::NoGradGuard no_grad;
  t.copy_(x);
}

void CheckpointIO::raw(const std::string& key, at::Tensor& t) {
  if (!loading()) return out_->write(key, t);
  t = read_tensor(key);
}

void CheckpointIO::rngs(const std::string& key, Rng& a, Rng& b) {
  if (!loading()) {
    std::vector<std::int64_t> v;
    for (const Rng* r : {&a, &b})
      for (std::uint64_t w : r->state()) v.push_back(static_cast<std::int64_t>(w));
    return out_->write(key, at::tensor(v, at::kLong));
  }
  const at::Tensor t = read_tensor(key);
  if (t.scalar_type() != at::kLong || t.numel() != 8)
    malformed(key + " is not 8 64-bit integers");  // (a shorter one was read past its end)
  const std::int64_t* p = t.data_ptr<std::int64_t>();
  for (Rng* r : {&a, &b}) {
    std::array<std::uint64_t, 4> s{};
    for (auto& w : s) w = static_cast<std::uint64_t>(*p++);
    r->set_state(s);
  }
}

}  // namespace cords::train
