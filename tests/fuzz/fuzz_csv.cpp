// Fuzz target: the CSV reader (matrices, labels, costs).
#include <cstdint>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cords::fuzz::read_matrix_and_vectors(cords::fuzz::write_input(data, size, ".csv"));
  return 0;
}
