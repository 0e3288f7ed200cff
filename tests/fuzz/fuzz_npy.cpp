// Fuzz target: the .npy reader (matrices through read_matrix, label and cost vectors through read_labels and
// read_vector). Crafted headers must fail with cords::Error: no crash, no allocation beyond the file's size.
#include <cstdint>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cords::fuzz::read_matrix_and_vectors(cords::fuzz::write_input(data, size, ".npy"));
  return 0;
}
