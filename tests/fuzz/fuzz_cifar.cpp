// Fuzz target: CIFAR-10 binary batches, plain or gzip'd.
#include <cstdint>

#include "cords/core/dataset_files.h"
#include "cords/core/error.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = cords::fuzz::write_input(data, size, ".bin");
  try {
    const auto raw = cords::read_cifar_records(path);
    if (raw.empty() || raw.size() % cords::kCifarRecordBytes != 0) __builtin_trap();
    for (std::size_t i = 0; i < raw.size(); i += cords::kCifarRecordBytes)
      if (raw[i] > 9) __builtin_trap();
  } catch (const cords::Error&) {
  }
  return 0;
}
