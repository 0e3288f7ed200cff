#include "cords/core/dataset_files.h"

#ifdef CORDS_HAVE_ZLIB
#include <zlib.h>
#endif
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "cords/core/error.h"
#include "cords/core/io.h"

namespace cords {
namespace {

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
  throw input_unreadable("cannot read '" + path + "': " + why);
}

[[maybe_unused]] bool gz_name(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

// A plain or gzip'd file read in pieces. With zlib, gzread passes plain files through unchanged; without it (a
// build without zlib's headers) .gz files go through `gzip -dc`.
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    check_regular_input(path);
    std::error_code ec;
    file_size_ = std::filesystem::file_size(path, ec);
#ifdef CORDS_HAVE_ZLIB
    gz_ = gzopen(path.c_str(), "rb");
    if (!gz_) unreadable(path, std::strerror(errno));
    compressed_ = gzdirect(gz_) == 0;
#else
    compressed_ = gz_name(path);
    if (compressed_) {
      std::string quoted = "'";
      for (char c : path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      quoted += "'";
      pipe_ = ::popen(("gzip -dc -- " + quoted + " 2>/dev/null").c_str(), "r");
      if (!pipe_) unreadable(path, "cannot run gzip");
    } else {
      file_.open(path, std::ios::binary);
      if (!file_) unreadable(path, std::strerror(errno));
    }
#endif
  }
  ~Reader() {
#ifdef CORDS_HAVE_ZLIB
    if (gz_) gzclose(gz_);
#else
    if (pipe_) ::pclose(pipe_);
#endif
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  /// Reads up to n bytes; returns how many (0 at the end). Throws for corrupt compressed data.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const std::size_t want = std::min<std::size_t>(n - done, 1 << 20);
#ifdef CORDS_HAVE_ZLIB
      const int got = gzread(gz_, out + done, static_cast<unsigned>(want));
      if (got < 0) {
        int code = 0;
        const std::string msg = gzerror(gz_, &code);
        unreadable(path_, "corrupt compressed data (" + msg + ")");
      }
      const auto g = static_cast<std::size_t>(got);
#else
      std::size_t g = 0;
      if (pipe_) {
        g = std::fread(out + done, 1, want, pipe_);
      } else {
        file_.read(reinterpret_cast<char*>(out + done), static_cast<std::streamsize>(want));
        g = static_cast<std::size_t>(file_.gcount());
      }
#endif
      if (g == 0) break;
      done += g;
    }
    return done;
  }
  /// Whether one more byte follows (what was read so far is the whole file only when not).
  bool more() {
    std::uint8_t b;
    return read(&b, 1) == 1;
  }
  /// Reads exactly n bytes into a buffer that grows with what arrives (never n up front, which a crafted header
  /// sets). Throws when the data ends first; `what` names the part for the message.
  std::vector<std::uint8_t> read_exactly(std::uint64_t n, const std::string& what) {
    std::vector<std::uint8_t> out;
    // A plain file cannot hold more than its size: refuse before reading. Compressed data is checked as it comes.
    if (!compressed_ && n > file_size_)
      unreadable(path_, what + " declares " + std::to_string(n) + " bytes; the file has " + std::to_string(file_size_) +
                            " (truncated or corrupt)");
    constexpr std::size_t kStep = std::size_t{64} << 20;
    while (out.size() < n) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n - out.size(), kStep));
      const std::size_t at = out.size();
      out.resize(at + want);
      const std::size_t got = read(out.data() + at, want);
      out.resize(at + got);
      if (got < want)
        unreadable(path_, what + " declares " + std::to_string(n) + " bytes; the data ends after " +
                              std::to_string(out.size()) + " (truncated or corrupt)");
    }
    return out;
  }
  bool compressed() const {
    return compressed_;
  }

 private:
  std::string path_;
  std::uint64_t file_size_ = 0;
  bool compressed_ = false;
#ifdef CORDS_HAVE_ZLIB
  gzFile gz_ = nullptr;
#else
  FILE* pipe_ = nullptr;
  std::ifstream file_;
#endif
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

IdxData read_idx(const std::string& path, int dims) {
  Reader in(path);
  std::uint8_t head[4];
  if (in.read(head, 4) != 4 || head[0] != 0 || head[1] != 0) unreadable(path, "not an IDX file");
  if (head[2] != 0x08) unreadable(path, "IDX element type " + std::to_string(head[2]) + " is not unsigned byte");
  if (head[3] != dims)
    unreadable(path, "IDX file has " + std::to_string(head[3]) + " dimensions, expected " + std::to_string(dims));
  std::vector<std::uint8_t> sizes(4 * static_cast<std::size_t>(dims));
  if (in.read(sizes.data(), sizes.size()) != sizes.size()) unreadable(path, "truncated IDX header");
  IdxData d;
  std::uint64_t count = 1;
  for (int i = 0; i < dims; ++i) {
    const std::uint32_t s = be32(&sizes[4 * static_cast<std::size_t>(i)]);
    d.shape.push_back(s);
    // Three 32-bit dimensions cannot overflow 64 bits, but their product must fit the index type of a tensor.
    if (s != 0 && count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / s)
      unreadable(path, "IDX dimensions overflow");
    count *= s;
  }
  d.bytes = in.read_exactly(count, "the IDX header");
  if (in.more())
    unreadable(path, "IDX data is longer than its header declares (" + std::to_string(count) + " bytes; corrupt)");
  return d;
}

std::vector<std::uint8_t> read_cifar_records(const std::string& path) {
  Reader in(path);
  std::vector<std::uint8_t> raw;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const std::size_t got = in.read(buf, sizeof buf);
    if (got == 0) break;
    if (raw.size() + got > kCifarMaxBytes)
      unreadable(
          path, "more than " + std::to_string(kCifarMaxBytes >> 20) + " MiB: not a CIFAR-10 batch (those are 30.7 MB)");
    raw.insert(raw.end(), buf, buf + got);
  }
  if (raw.empty() || raw.size() % kCifarRecordBytes != 0)
    unreadable(path, std::to_string(raw.size()) + " bytes is not a whole number of 3073-byte CIFAR-10 records");
  for (std::size_t i = 0; i < raw.size() / kCifarRecordBytes; ++i) {
    const std::uint8_t label = raw[i * kCifarRecordBytes];
    if (label > 9)
      unreadable(path,
                 "record " + std::to_string(i) + " has label " + std::to_string(label) + " (CIFAR-10 labels are 0-9)");
  }
  return raw;
}

}  // namespace cords
