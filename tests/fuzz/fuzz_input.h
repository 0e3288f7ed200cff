#pragma once
// Helpers shared by the fuzz targets: the parsers under test read files, so each input is written to a file first
// (in /dev/shm when there is one). Any exception other than cords::Error, any crash or sanitizer report, a hang or
// memory beyond the fuzzer's -rss_limit_mb is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cords/core/error.h"
#include "cords/core/io.h"

namespace cords::fuzz {

/// Writes data to a per-process file with the given extension and returns its path.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& ext) {
  static const std::string dir =
      std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
  const std::string path = dir + "/cords-fuzz-" + std::to_string(::getpid()) + ext;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

/// Reads `path` as every reader of io.h would (a matrix, labels, costs): each either succeeds or throws cords::Error.
inline void read_matrix_and_vectors(const std::string& path) {
  try {
    cords::read_matrix(path);
  } catch (const cords::Error&) {
  }
  try {
    cords::read_labels(path);
  } catch (const cords::Error&) {
  }
  try {
    cords::read_vector(path);
  } catch (const cords::Error&) {
  }
}

}  // namespace cords::fuzz
