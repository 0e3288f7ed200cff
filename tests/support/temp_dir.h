#pragma once
// Temporary folders for tests, and reading a file back: one implementation for every suite.
//   fresh_temp_dir(prefix, name): <tmp>/<prefix>-<pid>-<name>, empty (removed first if it exists).
//   TempDirTest: a GoogleTest fixture whose `dir` is a fresh folder per test, removed after it (also when files in
//   it were made read-only by the test).
//   slurp(path): a file's bytes ("" when it cannot be read).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cords::test {

inline std::filesystem::path fresh_temp_dir(const std::string& prefix, const std::string& name) {
  const std::filesystem::path d =
      std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempDirTest : public ::testing::Test {
 protected:
  std::filesystem::path dir;
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = fresh_temp_dir("cords-test", std::string(info->test_suite_name()) + "." + info->name());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(dir, ec);
  }
  /// A path inside dir.
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace cords::test
