// Fuzz target: the .npy reader (matrices through read_matrix, label and cost vectors through read_labels and
// read_vector). Crafted headers must fail with cords::Error: no crash, no allocation beyond the file's size.
#include <cstdint>

#include "cords/core/error.h"
#include "cords/core/io.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = cords::fuzz::write_input(data, size, ".npy");
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
