// Fuzz target: the CSV reader (matrices, labels, costs).
#include <cstdint>

#include "cords/core/error.h"
#include "cords/core/io.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = cords::fuzz::write_input(data, size, ".csv");
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
  return 0;
}
