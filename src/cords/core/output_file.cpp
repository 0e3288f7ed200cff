#include "cords/core/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"

namespace cords {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw output_unwritable("cannot write '" + path + "': " + why);
}

enum class Target { Stdout, Replace, WriteInto };

// Classifies `path` and returns where to write (the link's target for a link). Throws for what is refused.
Target classify(const std::string& path, const std::vector<std::string>& inputs, std::string& where) {
  where = path;
  if (path == "-") return Target::Stdout;
  if (path.empty()) refuse(path, "empty file name");
  for (const auto& in : inputs)
    if (same_file(path, in)) refuse(path, "it is the input file '" + in + "'; choose another output");
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(path, ec);
  if (link.type() == fs::file_type::symlink) {
    const fs::path target = fs::canonical(path, ec);
    if (ec) refuse(path, "it is a symbolic link to a missing file");
    where = target.string();
  }
  const fs::file_status st = fs::status(where, ec);
  switch (st.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
      break;
    case fs::file_type::character:
    case fs::file_type::fifo:
      return Target::WriteInto;
    case fs::file_type::directory:
      refuse(path, "it is a directory");
    case fs::file_type::block:
      refuse(path, "it is a block device");
    default:
      refuse(path, "it is not a regular file");
  }
  fs::path dir = fs::path(where).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) refuse(path, "directory '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    refuse(path, "directory '" + dir.string() + "' is not writable: " + std::strerror(errno));
  return Target::Replace;
}

void write_into(const std::string& path, const std::string& where, const std::string& contents) {
  // O_NONBLOCK: opening a FIFO that nobody reads fails (ENXIO) instead of waiting forever.
  const int fd = ::open(where.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) refuse(path, errno == ENXIO ? "it is a FIFO that no process reads" : std::strerror(errno));
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      refuse(path, std::string("write failed: ") + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) refuse(path, std::string("close failed: ") + std::strerror(errno));
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  const bool same = fs::equivalent(a, b, ec);
  return !ec && same;
}

bool is_within(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const fs::path p = fs::canonical(path, ec);
  if (ec) return false;
  const fs::path d = fs::canonical(dir, ec);
  if (ec) return false;
  const auto it = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return it.first == d.end();
}

void check_output_file(const std::string& path, const std::vector<std::string>& inputs) {
  std::string where;
  classify(path, inputs, where);
}

void write_output_file(const std::string& path, const std::string& contents, const std::vector<std::string>& inputs) {
  std::string where;
  switch (classify(path, inputs, where)) {
    case Target::Stdout:
      if (std::fwrite(contents.data(), 1, contents.size(), stdout) != contents.size() || std::fflush(stdout) != 0)
        throw output_unwritable(std::string("cannot write to standard output: ") + std::strerror(errno));
      return;
    case Target::WriteInto:
      write_into(path, where, contents);
      return;
    case Target::Replace:
      write_file_atomic(where, contents);
      return;
  }
}

}  // namespace cords
