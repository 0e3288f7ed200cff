#pragma once
// Tiny TorchScript models for tests, made once per build directory (CORDS_TEST_MODEL_DIR) by
// tests/embed/make_test_models.py with a python3 that has torch (CORDS_TEST_PYTHON, found by CMake): fixed random
// weights, not the default model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cords::test {

inline const std::filesystem::path& test_models() {
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    const fs::path d = fs::path(CORDS_TEST_MODEL_DIR);
    if (!fs::exists(d / "complete")) {  // made in a temporary directory, renamed into place whole
      const fs::path tmp = d.string() + ".tmp-" + std::to_string(::getpid());
      fs::create_directories(tmp);
      const std::string cmd = std::string(CORDS_TEST_PYTHON) + " " + std::string(CORDS_SOURCE_DIR) +
                              "/tests/embed/make_test_models.py " + tmp.string();
      if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot make test models: " << cmd;
      std::ofstream(tmp / "complete") << "ok\n";
      std::error_code ec;
      fs::rename(tmp, d, ec);
      if (ec) fs::remove_all(tmp);
    }
    return d;
  }();
  return dir;
}

}  // namespace cords::test
