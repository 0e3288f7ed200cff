#pragma once
// The raw training-data formats, read without LibTorch: IDX (MNIST, Fashion-MNIST; gzip'd or not) and CIFAR-10's
// binary batches. Every size a header declares is overflow-checked and compared with the bytes actually there while
// reading, so a crafted or truncated file fails with Error{InputUnreadable} after allocating at most about its
// real size (a gzip bomb stops at the size its header declares). The train library turns the bytes into tensors.
#include <cstdint>
#include <string>
#include <vector>

namespace cords {

/// An IDX file of unsigned bytes: its dimensions and its payload (product of the dimensions bytes, C order).
struct IdxData {
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
};

/// Reads an IDX file with `dims` dimensions (3 for images, 1 for labels), plain or gzip'd. Throws
/// Error{InputUnreadable} for a missing or non-regular file, a bad header, another element type or dimension count,
/// and a payload shorter or longer than the header declares.
IdxData read_idx(const std::string& path, int dims);

/// CIFAR-10 binary records: 1 label byte (0-9) and 3 x 32 x 32 pixel bytes each.
constexpr std::size_t kCifarRecordBytes = 1 + 3 * 32 * 32;
/// Files beyond this size (after inflation) are refused: CIFAR-10's batches are 30.7 MB each.
constexpr std::uint64_t kCifarMaxBytes = std::uint64_t{1} << 30;

/// Reads a CIFAR-10 batch file (plain or gzip'd): a whole number of records, each label in 0-9. Throws
/// Error{InputUnreadable} otherwise, naming the file and the record.
std::vector<std::uint8_t> read_cifar_records(const std::string& path);

}  // namespace cords
