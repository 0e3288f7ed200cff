#pragma once
// Golden outputs: a JSON document the tool wrote, compared with tests/golden/<name>.json after parsing - the same keys
// at every level, the same types and the same values - so that a key that moves, disappears or changes type fails a
// test, not a user's script. The fields that differ from run to run (timings, paths, versions, measured accuracies)
// are named by the test: for them only the JSON type is compared. Numbers compare to a relative 1e-5 (a float sum
// can differ in its last bits between an AVX2 and an AVX-512 build).
// To accept a deliberate change of format: CORDS_UPDATE_GOLDEN=1 ctest -R <test>, then review the diff in git.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

namespace cords::test {

inline void compare_json(const nlohmann::json& want, const nlohmann::json& got, const std::string& where,
                         const std::set<std::string>& volatile_keys, std::vector<std::string>& diffs) {
  const auto kind = [](const nlohmann::json& j) {
    return j.is_number() ? std::string("number") : std::string(j.type_name());
  };
  if (kind(want) != kind(got)) {
    diffs.push_back(where + ": type " + kind(got) + ", golden " + kind(want));
    return;
  }
  const std::string leaf = where.substr(where.find_last_of('/') + 1);
  if (volatile_keys.count(leaf)) return;  // named by the test: its type is what is pinned
  if (want.is_object()) {
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key()))
        diffs.push_back(where + "/" + it.key() + ": missing");
      else
        compare_json(it.value(), got.at(it.key()), where + "/" + it.key(), volatile_keys, diffs);
    }
    for (auto it = got.begin(); it != got.end(); ++it)
      if (!want.contains(it.key())) diffs.push_back(where + "/" + it.key() + ": not in the golden file");
  } else if (want.is_array()) {
    if (want.size() != got.size()) {
      diffs.push_back(where + ": " + std::to_string(got.size()) + " entries, golden " + std::to_string(want.size()));
      return;
    }
    for (std::size_t i = 0; i < want.size(); ++i)
      compare_json(want[i], got[i], where + "/" + std::to_string(i), volatile_keys, diffs);
  } else if (want.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    if (!(std::fabs(a - b) <= 1e-5 * std::max(1.0, std::fabs(a))))
      diffs.push_back(where + ": " + got.dump() + ", golden " + want.dump());
  } else if (want != got) {
    diffs.push_back(where + ": " + got.dump() + ", golden " + want.dump());
  }
}

// A copy of j whose volatile values are placeholders of their type ("(varies)", 0), so that a golden file holds
// no paths, timings or machine-specific numbers.
inline nlohmann::json masked(const nlohmann::json& j, const std::set<std::string>& volatile_keys) {
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : j) out.push_back(masked(e, volatile_keys));
    return out;
  }
  if (!j.is_object()) return j;
  nlohmann::json out = nlohmann::json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const nlohmann::json& v = it.value();
    if (!volatile_keys.count(it.key()))
      out[it.key()] = masked(v, volatile_keys);
    else if (v.is_string())
      out[it.key()] = "(varies)";
    else if (v.is_number())
      out[it.key()] = 0;
    else
      out[it.key()] = v;
  }
  return out;
}

/// Compares `got` with tests/golden/<name>.json; the keys in `volatile_keys` (at any depth) are compared by type only.
inline void expect_golden(const nlohmann::json& got, const std::string& name,
                          const std::set<std::string>& volatile_keys) {
  const std::filesystem::path file = std::filesystem::path(CORDS_GOLDEN_DIR) / (name + ".json");
  const char* update = std::getenv("CORDS_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(file) << masked(got, volatile_keys).dump(2) << "\n";
    std::printf("wrote %s\n", file.string().c_str());
    return;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << "no golden file " << file << " (CORDS_UPDATE_GOLDEN=1 writes it)";
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json want = nlohmann::json::parse(ss.str());
  std::vector<std::string> diffs;
  compare_json(want, got, "", volatile_keys, diffs);
  std::string all;
  for (const auto& d : diffs) all += "\n  " + d;
  EXPECT_TRUE(diffs.empty()) << name << " differs from " << file << " in " << diffs.size() << " place(s):" << all
                             << "\n(a deliberate format change: CORDS_UPDATE_GOLDEN=1, then review the diff)";
}

}  // namespace cords::test
