#pragma once
// A fresh, empty folder under the system's temporary directory, unique to this test process:
// <tmp>/<prefix>-<pid>-<name>, removed first if it exists.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace cords::test {

inline std::filesystem::path fresh_temp_dir(const std::string& prefix, const std::string& name) {
  const std::filesystem::path d =
      std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace cords::test
