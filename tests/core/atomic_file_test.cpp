#include "cords/core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../support/temp_dir.h"
#include "cords/core/error.h"

namespace cords {
namespace {
namespace fs = std::filesystem;

using test::slurp;

class AtomicFileTest : public test::TempDirTest {
 protected:
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
  }
};

TEST_F(AtomicFileTest, CommitReplacesTheFileWhole) {
  const auto p = (dir / "out.json").string();
  write_file_atomic(p, "old");
  {
    AtomicFile f(p);
    f.write("new ");
    EXPECT_EQ(slurp(p), "old");  // the destination is untouched until commit
    f.write("content");
    f.commit();
  }
  EXPECT_EQ(slurp(p), "new content");
  EXPECT_EQ(entries(), 1u);  // no temporary left behind
}

TEST_F(AtomicFileTest, AbandonedWriteLeavesNothing) {
  const auto p = (dir / "never.json").string();
  {
    AtomicFile f(p);
    f.write("partial");
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicFileTest, LeftoversOfKilledWritesToTheSamePathAreRemovedAndNothingElse) {
  // 999999999 is no running process's id; this process's own id counts as a leftover of an earlier process.
  const auto p = (dir / "report.json").string();
  const auto leave = [&](const std::string& name) { std::ofstream(dir / name) << "x"; };
  leave(".report.json.tmp-999999999-0");
  leave(".report.json.tmp-" + std::to_string(::getpid()) + "-7");
  leave(".report.json.tmp-1-2-3");                             // not the pattern
  leave(".report.json.tmp-999999999-");                        // not the pattern
  leave(".other.json.tmp-999999999-0");                        // another file's
  leave("report.json.tmp-999999999-0");                        // not hidden: not the tool's name
  fs::create_directory(dir / ".report.json.tmp-999999998-0");  // a folder is never removed
  fs::create_symlink("report.json", dir / ".report.json.tmp-999999997-0");
  write_file_atomic(p, "new");
  EXPECT_EQ(slurp(p), "new");
  EXPECT_FALSE(fs::exists(dir / ".report.json.tmp-999999999-0"));
  EXPECT_FALSE(fs::exists(dir / (".report.json.tmp-" + std::to_string(::getpid()) + "-7")));
  for (const char* kept : {".report.json.tmp-1-2-3", ".report.json.tmp-999999999-", ".other.json.tmp-999999999-0",
                           "report.json.tmp-999999999-0", ".report.json.tmp-999999998-0"})
    EXPECT_TRUE(fs::exists(dir / kept)) << kept;
  EXPECT_TRUE(fs::is_symlink(dir / ".report.json.tmp-999999997-0"));
}

TEST_F(AtomicFileTest, UnwritableDestinationsAreOutputErrors) {
  auto kind = [](const std::string& p) {
    try {
      write_file_atomic(p, "x");
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::Internal;
  };
  EXPECT_EQ(kind((dir / "no" / "such" / "dir.json").string()), ErrorKind::OutputUnwritable);
  EXPECT_EQ(kind(dir.string()), ErrorKind::OutputUnwritable);  // a directory
  if (::geteuid() != 0) {                                      // root ignores permission bits
    fs::permissions(dir, fs::perms::owner_write, fs::perm_options::remove);
    EXPECT_EQ(kind((dir / "ro.json").string()), ErrorKind::OutputUnwritable);
  }
}

}  // namespace
}  // namespace cords
