// Fuzz target: IDX files (MNIST, Fashion-MNIST), plain or gzip'd, as images (3 dimensions) and labels (1).
#include <cstdint>

#include "cords/core/dataset_files.h"
#include "cords/core/error.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = cords::fuzz::write_input(data, size, ".idx");
  for (int dims : {1, 3}) {
    try {
      const cords::IdxData d = cords::read_idx(path, dims);
      std::uint64_t count = 1;
      for (auto s : d.shape) count *= static_cast<std::uint64_t>(s);
      if (count != d.bytes.size()) __builtin_trap();  // the payload must be exactly what the header declares
    } catch (const cords::Error&) {
    }
  }
  return 0;
}
