// The safety rules of docs/cli.md, one test per rule, built from the reproductions of the reliability review
// (../shared/reviews/2026-11-30-reliability.md; the case ids C1, H1-H4, M1-M10, L1-L11 are named beside each).
// Every test runs the real executable on real files in a fresh folder, in seconds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../support/error_matchers.h"
#include "../support/run_cli.h"
#include "../support/temp_dir.h"
#include "../video/media.h"
#include "cords/core/dataset_files.h"
#include "cords/core/error.h"
#include "cords/pipeline/batch.h"

namespace cords {
namespace {
namespace fs = std::filesystem;
using test::Media;
using test::run_cli;

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

nlohmann::json json_of(const fs::path& p) {
  return nlohmann::json::parse(read(p));
}

// A shell command's exit code and output (stderr too).
test::CliRun sh(const std::string& cmd) {
  return test::run_cli_sh(cmd + " 2>&1");
}

// Runs the executable with `args` as a child of its own and returns {exit code (or 128 + signal), peak RSS in MiB}.
std::pair<int, double> run_measured(const std::string& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + std::string(CORDS_CLI_PATH) + " " + args + " >/dev/null 2>&1").c_str(),
            nullptr);
    ::_exit(127);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, static_cast<double>(ru.ru_maxrss) / 1024.0};
}

// The .npy bytes for a header and a payload.
std::string npy(const std::string& descr, const std::string& shape, const std::string& payload,
                const std::string& fortran = "False") {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + payload;
}

std::string floats(int n) {
  return std::string(static_cast<std::size_t>(n) * 4, '\0');
}

class Safety : public ::testing::Test {
 protected:
  fs::path dir;
  const Media& media = Media::get();
  void SetUp() override {
    dir = test::fresh_temp_dir("cords_safety", ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    sh("chmod -R u+rwx " + q(dir));
    fs::remove_all(dir);
  }
  // A copy of a test clip in the test's folder.
  fs::path clip(const std::string& name = "slideshow.mp4", const fs::path& where = {}) {
    const fs::path to = (where.empty() ? dir : where) / name;
    fs::create_directories(to.parent_path());
    fs::copy_file(media.path("gop2s.mp4"), to, fs::copy_options::overwrite_existing);
    return to;
  }
  static std::string fast() { return " -q --features histogram --no-clip --budget 3"; }
  fs::path features() const {
    std::string payload;
    for (int i = 0; i < 20; ++i)
      for (int j = 0; j < 3; ++j) {
        const float v = static_cast<float>((i * 7 + j * 3) % 11) + 0.5f;
        payload.append(reinterpret_cast<const char*>(&v), 4);
      }
    write(dir / "x.npy", npy("<f4", "(20, 3)", payload));
    return dir / "x.npy";
  }
};

// ---- Rule: nothing outside the tool's own outputs is ever deleted or replaced --------------------------------------

TEST_F(Safety, ForceNeverDeletesAFolderHoldingOtherFiles) {  // C1, O-2
  const fs::path v = clip();
  fs::create_directories(dir / "d");
  write(dir / "d" / "precious.txt", "keep me");
  const auto r = run_cli(q(v) + " -o " + q(dir / "d") + " --force" + fast());
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_NE(r.out.find("precious.txt"), std::string::npos) << "the reason names what is not the tool's: " << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
  EXPECT_EQ(read(dir / "d" / "precious.txt"), "keep me");
}

TEST_F(Safety, ForceRefusesTheInputsFolderAndEveryFolderAboveIt) {  // C1, O-3, O-4
  const fs::path v = clip("clip.mp4", dir / "videos" / "sub");
  write(dir / "videos" / "notes.txt", "mine");
  for (const fs::path& out : {dir / "videos" / "sub", dir / "videos", dir}) {
    const auto r = run_cli(q(v) + " -o " + q(out) + " --force" + fast());
    EXPECT_EQ(r.code, 5) << out << ": " << r.out;
    EXPECT_TRUE(fs::is_regular_file(v)) << out;
  }
  // The input's own folder given relative to the current folder, as a user types it.
  const auto r = sh("cd " + q(dir / "videos" / "sub") + " && " + CORDS_CLI_PATH + " clip.mp4 -o . --force" + fast());
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_TRUE(fs::is_regular_file(v));
  EXPECT_EQ(read(dir / "videos" / "notes.txt"), "mine");
}

TEST_F(Safety, ForceRefusesTheInputFileItself) {  // C1, O-5
  const fs::path v = clip();
  const auto size = fs::file_size(v);
  const auto r = run_cli(q(v) + " -o " + q(v) + " --force" + fast());
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_TRUE(fs::is_regular_file(v));
  EXPECT_EQ(fs::file_size(v), size);
}

TEST_F(Safety, ForceRefusesDeviceNodesFifosFilesAndLinks) {  // C1, O-6, O-8
  const fs::path v = clip();
  std::vector<fs::path> targets;
  if (::mknod((dir / "node").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0) targets.push_back(dir / "node");  // as root
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  targets.push_back(dir / "fifo");
  write(dir / "file.txt", "text");
  targets.push_back(dir / "file.txt");
  fs::create_directories(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "link");
  targets.push_back(dir / "link");
  for (const auto& t : targets) {
    const auto type = fs::symlink_status(t).type();
    const auto r = run_cli(q(v) + " -o " + q(t) + " --force" + fast());
    EXPECT_EQ(r.code, 5) << t << ": " << r.out;
    EXPECT_EQ(fs::symlink_status(t).type(), type) << t << " was replaced";
  }
  EXPECT_EQ(read(dir / "file.txt"), "text");
  EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
}

TEST_F(Safety, ForceReplacesTheToolsOwnSummaryOnly) {
  const fs::path v = clip();
  const fs::path out = dir / "v.summary";
  ASSERT_EQ(run_cli(q(v) + " -o " + q(out) + fast() + " --sheet contact.png").code, 0);
  EXPECT_EQ(json_of(out / "summary.json")["tool"], "cords-summarize");
  // A summary with another sheet name (the manifest says which files are the tool's) is replaced whole.
  auto r = run_cli(q(v) + " -o " + q(out) + " --force" + fast());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(fs::exists(out / "contact.png"));
  EXPECT_TRUE(fs::exists(out / "sheet.jpg"));
  // Once the user adds a file of their own, it is no longer only the tool's: refused, everything kept.
  write(out / "keyframes" / "my-notes.txt", "notes");
  r = run_cli(q(v) + " -o " + q(out) + " --force" + fast());
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_EQ(read(out / "keyframes" / "my-notes.txt"), "notes");
  EXPECT_TRUE(fs::exists(out / "sheet.jpg"));
  // A summary.json that is not the tool's manifest does not make a folder the tool's.
  fs::create_directories(dir / "fake");
  write(dir / "fake" / "summary.json", "{\"mine\": true}");
  r = run_cli(q(v) + " -o " + q(dir / "fake") + " --force" + fast());
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_EQ(read(dir / "fake" / "summary.json"), "{\"mine\": true}");
}

TEST_F(Safety, SelectWritesIntoDevicesAndFollowsLinksButNeverReplacesThemOrItsInputs) {  // H3, S-42..S-44
  const fs::path x = features();
  // A device node: as root a private /dev/null (the system's is never put at risk: a regression would replace it
  // for the whole machine); otherwise the system's, which an ordinary user cannot rename over anyway.
  const bool private_node = ::mknod((dir / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  const fs::path node = private_node ? dir / "null" : fs::path("/dev/null");
  auto r = run_cli("select -q --features " + q(x) + " --budget 3 -o " + q(node));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(fs::symlink_status(node).type(), fs::file_type::character);
  // A FIFO nobody reads: refused at once, not waited on.
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  r = sh("timeout 20 " + std::string(CORDS_CLI_PATH) + " select -q --features " + q(x) + " --budget 3 -o " +
         q(dir / "fifo"));
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_EQ(fs::symlink_status(dir / "fifo").type(), fs::file_type::fifo);
  // Its own features file: refused, unchanged.
  const std::string before = read(x);
  r = run_cli("select -q --features " + q(x) + " --budget 3 -o " + q(x));
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_EQ(read(x), before);
  // A link: its target is replaced, the link stays a link.
  write(dir / "target.json", "old");
  fs::create_symlink(dir / "target.json", dir / "link.json");
  r = run_cli("select -q --features " + q(x) + " --budget 3 -o " + q(dir / "link.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
  EXPECT_EQ(json_of(dir / "target.json")["selected"].size(), 3u);
}

TEST_F(Safety, SelectFailsWhenStandardOutputCannotBeWritten) {  // L2, S-45
  const auto r = sh(std::string(CORDS_CLI_PATH) + " select -q --features " + q(features()) + " --budget 3 > /dev/full");
  EXPECT_EQ(r.code, 5) << r.out;
}

TEST_F(Safety, TrainRefusesAnOutputFolderOfOtherFilesAndLeavesNothingOnFailure) {  // train -o, L9
#ifndef CORDS_TEST_HAVE_TRAIN
  GTEST_SKIP() << "this build has no train command";
#endif
  fs::create_directories(dir / "mine");
  write(dir / "mine" / "accuracy.png", "my own plot");
  auto r = run_cli("train --dataset fashion-mnist --epochs 1 --limit 100 -o " + q(dir / "mine"));
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_EQ(read(dir / "mine" / "accuracy.png"), "my own plot");
  write(dir / "file", "x");
  EXPECT_EQ(run_cli("train --dataset fashion-mnist --epochs 1 -o " + q(dir / "file")).code, 5);
  // A run that fails (here: no such data) leaves no empty OUT behind.
  r = run_cli("train --dataset features --data-dir " + q(dir / "nothing") + " -o " + q(dir / "new"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_FALSE(fs::exists(dir / "new"));
}

// ---- Rule: batch outputs stay inside OUT ------------------------------------------------------------------------

TEST_F(Safety, BatchSummarizesALinkOutsideTheInputIntoOutAndTouchesNothingThere) {  // H2, B-7
  clip("clip.mp4", dir / "victim");
  fs::create_directories(dir / "victim" / "clip.summary");
  write(dir / "victim" / "clip.summary" / "notes.txt", "keep");
  fs::create_directories(dir / "in");
  fs::create_symlink(dir / "victim" / "clip.mp4", dir / "in" / "innocent.mp4");
  const auto r = run_cli(q(dir / "in") + " -o " + q(dir / "out") + fast());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(read(dir / "victim" / "clip.summary" / "notes.txt"), "keep");
  EXPECT_TRUE(fs::exists(dir / "out" / "innocent.summary" / "summary.json"));
  const auto rep = json_of(dir / "out" / "report.json");
  ASSERT_EQ(rep["items"].size(), 1u);
  EXPECT_EQ(rep["items"][0]["output"], "innocent.summary");  // relative to OUT (F of the 2026-12-07 review)
}

TEST_F(Safety, BatchVideosSharingAStemOrALinkAndItsTargetAllGetSummaries) {  // M1, B-8, L8, B-6
  clip("clip.mp4", dir / "in");
  fs::copy_file(media.path("slideshow.mp4"), dir / "in" / "clip.mkv");
  clip("a.mp4", dir / "in" / "real");
  fs::create_symlink(dir / "in" / "real" / "a.mp4", dir / "in" / "filelink.mp4");
  const auto r = run_cli(q(dir / "in") + " -o " + q(dir / "out") + fast());
  EXPECT_EQ(r.code, 0) << r.out;
  const auto rep = json_of(dir / "out" / "report.json");
  std::map<std::string, std::string> outputs;
  for (const auto& i : rep["items"]) {
    EXPECT_EQ(i["status"], "done") << i.dump();
    outputs[i["relative"]] = fs::path(i["output"].get<std::string>()).filename().string();
  }
  EXPECT_EQ(outputs, (std::map<std::string, std::string>{{"clip.mp4", "clip.mp4.summary"},
                                                         {"clip.mkv", "clip.mkv.summary"},
                                                         {"filelink.mp4", "filelink.summary"},
                                                         {"real/a.mp4", "a.summary"}}));
  EXPECT_NE(json_of(dir / "out" / "clip.mp4.summary" / "summary.json")["input"]["duration"],
            json_of(dir / "out" / "clip.mkv.summary" / "summary.json")["input"]["duration"]);
}

TEST_F(Safety, BatchOutInsideTheInputIsSkippedAndOutEqualToItIsRefused) {  // M7, B-9
  clip("a.mp4", dir / "vids");
  auto r = run_cli(q(dir / "vids") + " -o " + q(dir / "vids" / "out") + fast());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "vids" / "out" / "report.json")["videos"], 1);
  // Again, now that OUT holds summaries (and their clips): still the one video, done before.
  r = run_cli(q(dir / "vids") + " -o " + q(dir / "vids" / "out") + " -q --features histogram --budget 3");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "vids" / "out" / "report.json")["videos"], 1);
  // OUT above the input folder ("-o ." from its parent): the videos are found.
  r = sh("cd " + q(dir) + " && " + CORDS_CLI_PATH + " vids -o ." + fast());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "report.json")["videos"], 1);
  r = run_cli(q(dir / "vids") + " -o " + q(dir / "vids") + fast());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("is the input folder"), std::string::npos) << r.out;
}

TEST_F(Safety, BatchNeverReplacesAFolderItDidNotWrite) {  // C1 in batch mode
  clip("a.mp4", dir / "in");
  clip("b.mp4", dir / "in");
  fs::create_directories(dir / "out" / "a.summary");
  write(dir / "out" / "a.summary" / "notes.txt", "keep");
  const auto r = run_cli(q(dir / "in") + " -o " + q(dir / "out") + fast() + " --force");
  EXPECT_EQ(r.code, 6) << r.out;
  EXPECT_EQ(read(dir / "out" / "a.summary" / "notes.txt"), "keep");
  const auto report = json_of(dir / "out" / "report.json");  // named: iterating a temporary's member would dangle
  for (const auto& i : report["items"]) {
    if (i["relative"] == "a.mp4") {
      EXPECT_EQ(i["status"], "failed");
      EXPECT_EQ(i["exit_code"], 5);
    } else {
      EXPECT_EQ(i["status"], "done");
    }
  }
}

TEST_F(Safety, BatchReportListsVideosAnotherProcessFinishedMeanwhile) {  // M6, B-3
  clip("a.mp4", dir / "in");
  clip("b.mp4", dir / "in");
  pipeline::BatchConfig cfg;
  cfg.inputs = {(dir / "in").string()};
  cfg.output_dir = (dir / "out").string();
  cfg.video.embedder.features = embed::Features::Histogram;
  cfg.video.write_clip = false;
  cfg.video.budget = select::Budget::count(3);
  // Another process holds a.mp4's lock when the batch starts, and lets go while the batch is still running.
  fs::create_directories(dir / "out" / ".locks");
  const std::string lock = (dir / "out" / ".locks" /
                            (std::to_string([] {
                               std::uint64_t h = 1469598103934665603ULL;
                               for (unsigned char c : std::string("a.mp4")) h = (h ^ c) * 1099511628211ULL;
                               return h;
                             }()) +
                             ".lock"))
                               .string();
  int fd = ::open(lock.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const auto rep = pipeline::run_batch(cfg, [&](std::int64_t, std::int64_t, const pipeline::BatchItem& item) {
    if (item.relative == "a.mp4" && fd >= 0) {
      EXPECT_EQ(item.status, pipeline::ItemStatus::Locked);
      ::close(fd);
      fd = -1;
    }
  });
  for (const auto& i : rep.items)
    EXPECT_TRUE(pipeline::complete(i.status)) << i.relative << ": " << pipeline::to_string(i.status);
  const auto report = json_of(dir / "out" / "report.json");
  for (const auto& i : report["items"]) EXPECT_NE(i["status"], "locked");
  EXPECT_NE(read(dir / "out" / "index.html").find("2 videos summarized"), std::string::npos);
}

TEST_F(Safety, BatchReportsAnUnreadableFolderAndAGalleryWithoutSheetsHasNoBrokenImages) {  // L8, B-19, B-20
  clip("a.mp4", dir / "in");
  clip("b.mp4", dir / "in" / "locked");
  const bool as_root = ::geteuid() == 0 && sh("command -v setpriv").code == 0;
  std::string run = std::string(CORDS_CLI_PATH);
  if (as_root) {  // root reads every folder: run as nobody, for whom "locked" is unreadable
    sh("chmod -R a+rwX " + q(dir) + " && chmod 0 " + q(dir / "in" / "locked"));
    run = "setpriv --reuid=65534 --regid=65534 --clear-groups " + run;
  } else {
    sh("chmod 0 " + q(dir / "in" / "locked"));
  }
  const auto r = sh(run + " " + q(dir / "in") + " -o " + q(dir / "out") + fast() + " --no-sheet");
  EXPECT_EQ(r.code, 6) << r.out;
  const auto report = json_of(dir / "out" / "report.json");
  std::map<std::string, std::string> st;
  for (const auto& i : report["items"]) st[i["relative"]] = i["status"];
  EXPECT_EQ(st, (std::map<std::string, std::string>{{"a.mp4", "done"}, {"locked/", "failed"}})) << report.dump(1);
  const std::string html = read(dir / "out" / "index.html");
  EXPECT_EQ(html.find("sheet.jpg"), std::string::npos) << "no link to a sheet that was not made";
  EXPECT_NE(html.find("no contact sheet"), std::string::npos);
}

// ---- Rule: crafted inputs fail cleanly ----------------------------------------------------------------------------

TEST_F(Safety, CraftedNpyHeadersFailWithOneLineAndTheDocumentedCode) {  // H1, L6, L7, S-14..S-17
  const std::vector<std::pair<std::string, std::string>> cases = {{"(3, 6148914691236517206)", "<f4"},
                                                                  {"(9223372036854775807,)", "<f4"},
                                                                  {"(4, 4611686018427387904)", "<f4"},
                                                                  {"(50, 368934881474191040)", "<f4"},
                                                                  {"(-1, 9223372036854775807)", "<f4"},
                                                                  {"(99999999999999999999999, 2)", "<f4"},
                                                                  {"(-50, 8)", "<f4"},
                                                                  {"(5a0, 8b)", "<f4"},
                                                                  {"(4294967296, 4294967296)", "<f4"},
                                                                  {"(2, 3)", "<f99999999999"}};
  for (const auto& [shape, descr] : cases) {
    write(dir / "c.npy", npy(descr, shape, floats(100)));
    for (const std::string opt : {"--features", "--groups"}) {
      const std::string args = opt == std::string("--features")
                                   ? "--features " + q(dir / "c.npy")
                                   : "--features " + q(features()) + " --groups " + q(dir / "c.npy");
      const auto r = run_cli("select -q " + args + " --budget 2");
      EXPECT_TRUE(r.code == 3 || r.code == 2) << shape << " " << opt << ": " << r.code << " " << r.out;
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << shape << ": " << r.out;
      EXPECT_EQ(r.out.find("internal"), std::string::npos) << r.out;
    }
  }
  write(dir / "m.npy", npy("<f4", "(2, 3)", floats(6), "Maybe"));
  EXPECT_EQ(run_cli("select -q --features " + q(dir / "m.npy") + " --budget 2").code, 3);
}

TEST_F(Safety, DeclaredShapesBeyondTheFileAllocateNothing) {  // M2, S-10..S-13
  write(dir / "big.npy", npy("<f4", "(20000, 20000)", floats(400)));
  auto [code, mib] = run_measured("select -q --features " + q(dir / "big.npy") + " --budget 2");
  EXPECT_EQ(code, 3);
  EXPECT_LT(mib, 100.0) << "a 1.7 KB file must not commit the 1.6 GB its header declares";
  write(dir / "groups.npy", npy("<i8", "(2000000000,)", floats(100)));
  std::tie(code, mib) =
      run_measured("select -q --features " + q(features()) + " --groups " + q(dir / "groups.npy") + " --budget 2");
  EXPECT_EQ(code, 3);
  EXPECT_LT(mib, 100.0) << "15.6 GB before this fix";
}

TEST_F(Safety, CsvAndFloat64ValuesAreReadAsWritten) {  // M5, L4, L6
  std::string rows = "\xEF\xBB\xBF";
  for (int i = 0; i < 30; ++i) rows += std::to_string(i) + "," + std::to_string(i % 7) + "\n";
  write(dir / "bom.csv", rows);
  auto r = run_cli("select --features " + q(dir / "bom.csv") + " --budget 2 -o " + q(dir / "s.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "s.json")["input"]["n"], 30) << "the first data row after a byte-order mark is data";
  write(dir / "quoted.csv", "\"0.5\",\"1\"\n\"2\",\"3\"\n\"1\",\"1\"\n");
  EXPECT_EQ(run_cli("select -q --features " + q(dir / "quoted.csv") + " --budget 2").code, 0);
  write(dir / "empty.csv", "");
  EXPECT_EQ(run_cli("select -q --features " + q(dir / "empty.csv") + " --budget 2").code, 3);
  std::string payload;
  for (double v : {1e300, 1.0, 2.0, 3.0}) payload.append(reinterpret_cast<const char*>(&v), 8);
  write(dir / "f8.npy", npy("<f8", "(4, 1)", payload));
  r = run_cli("select -q --features " + q(dir / "f8.npy") + " --budget 2");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("float32"), std::string::npos) << r.out;
}

TEST_F(Safety, NonRegularInputsAreRefusedNeverWaitedOn) {  // M8, V-24, V-25, S-27, S-28
  ASSERT_EQ(::mkfifo((dir / "fifo.mp4").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir / "fifo.npy").c_str(), 0600), 0);
  const std::string t = "timeout 20 " + std::string(CORDS_CLI_PATH);
  auto r = sh(t + " " + q(dir / "fifo.mp4") + " -o " + q(dir / "o") + fast());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_FALSE(fs::exists(dir / "o"));
  r = sh(t + " select -q --features " + q(dir / "fifo.npy") + " --budget 2");
  EXPECT_EQ(r.code, 3) << r.out;
  r = sh(t + " select -q --features /dev/zero --budget 2");
  EXPECT_EQ(r.code, 3) << r.out;
}

TEST_F(Safety, PlaylistsAreReadOnlyWhenNamedAsPlaylists) {  // M4, V-29
  ASSERT_EQ(sh("ffmpeg -nostdin -loglevel error -y -i " + q(media.path("gop2s.mp4")) + " -c copy -t 4 " +
               q(dir / "secret.ts"))
                .code,
            0);
  const std::string playlist =
      "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n" + (dir / "secret.ts").string() + "\n#EXT-X-ENDLIST\n";
  write(dir / "upload.mp4", playlist);
  auto r = run_cli(q(dir / "upload.mp4") + " -o " + q(dir / "o") + fast());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("playlist"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "o"));
  write(dir / "list.m3u8", playlist);  // named as one: read as one
  r = run_cli(q(dir / "list.m3u8") + " -o " + q(dir / "p") + fast());
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST_F(Safety, GzipBombsStopAtTheSizeTheHeaderDeclares) {  // M10, T-7
  // An IDX header for 1 x 2 x 2 bytes, then 256 MiB of zeros: a 256 KB file.
  ASSERT_EQ(sh("(printf '\\000\\000\\010\\003\\000\\000\\000\\001\\000\\000\\000\\002\\000\\000\\000\\002'; head -c "
               "268435456 /dev/zero) | gzip -1 > " +
               q(dir / "bomb-idx3-ubyte.gz"))
                .code,
            0);
  struct rusage before {
  }, after{};
  ::getrusage(RUSAGE_SELF, &before);
  try {
    read_idx((dir / "bomb-idx3-ubyte.gz").string(), 3);
    ADD_FAILURE() << "a payload longer than its header declares was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable) << e.what();
  }
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 * 1024) << "KiB of peak memory grew while reading a 256 KB file";
  // Dimensions whose product overflows, and CIFAR-10 batches of partial records, are malformed input too.
  write(dir / "ovf", std::string("\0\0\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 16));
  EXPECT_CORDS_ERROR(read_idx((dir / "ovf").string(), 3), InputUnreadable);
  write(dir / "part.bin", std::string(3073 + 10, '\1'));
  EXPECT_CORDS_ERROR(read_cifar_records((dir / "part.bin").string()), InputUnreadable);
}

TEST_F(Safety, MalformedReportsAndTrainOptionsGetTheirDocumentedCodes) {  // L6, B-16, T-12, L9, T-11
  fs::create_directories(dir / "out");
  for (const std::string text : {R"({"items": [{"relative": 5, "status": []}]})", "[1, 2]", R"({"items": 5})"}) {
    write(dir / "out" / "report-shard-0-of-2.json", text);
    const auto r = run_cli("report " + q(dir / "out"));
    EXPECT_EQ(r.code, 3) << text << ": " << r.out;
    EXPECT_EQ(r.out.find("internal"), std::string::npos) << r.out;
  }
#ifdef CORDS_TEST_HAVE_TRAIN
  for (const std::string bad :
       {"--epochs 0", "--epochs -1", "--select-every 0", "--compare full --seeds a,b", "--threads -5"}) {
    const auto r = run_cli("train --dataset fashion-mnist " + bad + " -o " + q(dir / "t"));
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
    EXPECT_FALSE(fs::exists(dir / "t")) << bad;
  }
#endif
}

// ---- Rule: exit 0 means every output listed exists and is valid ----------------------------------------------------

TEST_F(Safety, ConcatenatedTransportStreamsListOnlyWhatWasWritten) {  // H4, V-16
  const std::string f = "ffmpeg -nostdin -loglevel error -y -f lavfi -i ";
  ASSERT_EQ(sh(f + "testsrc2=size=320x240:rate=25:duration=3 -c:v libx264 -preset veryfast " + q(dir / "a.ts")).code,
            0);
  ASSERT_EQ(sh(f + "testsrc2=size=640x360:rate=25:duration=3 -c:v libx264 -preset veryfast " + q(dir / "b.ts")).code,
            0);
  ASSERT_EQ(sh("cat " + q(dir / "a.ts") + " " + q(dir / "b.ts") + " > " + q(dir / "ab.ts")).code, 0);
  const fs::path out = dir / "ab.summary";
  const auto r = run_cli(q(dir / "ab.ts") + " -o " + q(out) + " -q --features histogram");  // the default fraction
  ASSERT_TRUE(r.code == 0 || r.code == 3) << r.out;
  if (r.code == 3) {
    EXPECT_FALSE(fs::exists(out));
    return;
  }
  const auto j = json_of(out / "summary.json");
  ASSERT_GT(j["keyframes"].size(), 0u);
  for (const auto& k : j["keyframes"])
    EXPECT_TRUE(fs::is_regular_file(out / k["image"].get<std::string>())) << k.dump();
  std::size_t images = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out / "keyframes")) ++images;
  EXPECT_EQ(images, j["keyframes"].size());
  const auto frames =
      sh("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 " +
         q(out / "summary.mp4"));
  EXPECT_GT(std::atoi(frames.out.c_str()), 0) << frames.out;
}

TEST_F(Safety, BatchRecordsDegradedResultsAsWarnings) {  // H4, exit 0 with warnings
  fs::create_directories(dir / "in");
  fs::copy_file(media.path("cut_short.mp4"), dir / "in" / "cut.mp4");  // a faststart file cut short
  clip("good.mp4", dir / "in");
  const auto r = run_cli(q(dir / "in") + " -o " + q(dir / "out") + " -q --features histogram --no-clip");
  EXPECT_EQ(r.code, 0) << r.out;
  bool warned = false;
  const auto report = json_of(dir / "out" / "report.json");
  for (const auto& i : report["items"]) {
    EXPECT_EQ(i["status"], "done");
    if (i["relative"] == "cut.mp4") warned = !i["warnings"].empty();
  }
  EXPECT_TRUE(warned) << read(dir / "out" / "report.json");
  EXPECT_NE(read(dir / "out" / "index.html").find("class=\"warning\""), std::string::npos);
  EXPECT_FALSE(json_of(dir / "out" / "cut.summary" / "summary.json")["warnings"].empty());
}

TEST_F(Safety, OptionsMayComeBeforeTheInputAndDoubleDashEndsThem) {  // P-28, L11
  fs::create_directories(dir / "w");
  fs::copy_file(media.path("gop2s.mp4"), dir / "w" / "-dash.mp4");
  auto r = sh("cd " + q(dir / "w") + " && " + CORDS_CLI_PATH +
              " -q --features histogram --no-clip --budget 3 -o out1 -- -dash.mp4");
  EXPECT_EQ(r.code, 0) << r.out;
  r = run_cli("--budget 3 -q --features histogram --no-clip " + q(clip()) + " -o " + q(dir / "out2"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "out2" / "summary.json")["keyframes"].size(), 3u);
}

TEST_F(Safety, TransportStreamTimesCountFromTheStreamsStart) {  // V-21, L11
  ASSERT_EQ(
      sh("ffmpeg -nostdin -loglevel error -y -i " + q(media.path("gop2s.mp4")) + " -c copy " + q(dir / "v.ts")).code,
      0);
  const auto r = run_cli(q(dir / "v.ts") + " -o " + q(dir / "o") + fast());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = json_of(dir / "o" / "summary.json");
  EXPECT_GT(j["input"]["start_time"].get<double>(), 0.5) << "MPEG-TS starts at 1.4 s";
  const double start = j["input"]["start_time"], duration = j["input"]["duration"];
  for (const auto& k : j["keyframes"]) {  // relative to the start, as players show it; pts stay exact
    const double t = k["time"];
    EXPECT_NEAR(t, k["pts"].get<double>() / 90000.0 - start, 1e-6) << k.dump();
    EXPECT_LT(t, duration) << k.dump();
    char name[64];
    std::snprintf(name, sizeof name, "keyframes/%02d-%06.3f", static_cast<int>(t) / 60,
                  t - 60 * (static_cast<int>(t) / 60));
    EXPECT_EQ(k["image"].get<std::string>().rfind(name, 0), 0u) << name << " " << k.dump();
  }
}

// ---- Rule: bounded resources ------------------------------------------------------------------------------------

TEST_F(Safety, ThreadCountsAreClampedToTheMachine) {  // M3, P-8..P-11
  auto r = run_cli("select -q --features " + q(features()) + " --budget 3 --threads 100000 -o " + q(dir / "s.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  r = run_cli(q(clip()) + " -o " + q(dir / "o") + fast() + " --threads 65536");
  EXPECT_EQ(r.code, 0) << r.out;
  r = run_cli(q(clip()) + " -o " + q(dir / "o2") + fast() + " --threads -5");
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST_F(Safety, KeyframeImagesAreNotAllHeldAtFullResolution) {  // M9, V-17
  ASSERT_EQ(sh("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=3840x2160:rate=10:duration=2 -c:v libx264 "
               "-preset ultrafast -pix_fmt yuv420p " +
               q(dir / "uhd.mp4"))
                .code,
            0);
  const std::string common = q(dir / "uhd.mp4") + " -q --features histogram --no-clip --sample-fps 10 --threads 1 -o ";
  const auto [code2, mib2] = run_measured(common + q(dir / "k2") + " --budget 2");
  const auto [code16, mib16] = run_measured(common + q(dir / "k16") + " --budget 16");
  ASSERT_EQ(code2, 0);
  ASSERT_EQ(code16, 0);
  // Held at full size, 14 more 4K keyframes would add 14 x 24.9 MB = 348 MB.
  EXPECT_LT(mib16 - mib2, 100.0) << mib2 << " MiB at 2 keyframes, " << mib16 << " MiB at 16";
  EXPECT_EQ(json_of(dir / "k16" / "summary.json")["keyframes"].size(), 16u);
}

TEST_F(Safety, InterruptedRunsRemoveTheirTemporaryFolder) {  // L1, O-12
  ASSERT_EQ(sh("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=20 -c:v libx264 "
               "-preset ultrafast -pix_fmt yuv420p " +
               q(dir / "long.mp4"))
                .code,
            0);
  for (int sig : {SIGTERM, SIGINT}) {
    const fs::path out = dir / ("out" + std::to_string(sig));
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(CORDS_CLI_PATH, CORDS_CLI_PATH, (dir / "long.mp4").c_str(), "-o", out.c_str(), "-q", "--features",
              "histogram", "--budget", "10", "--clip-seconds", "3", nullptr);
      ::_exit(127);
    }
    // Wait for the temporary folder (the write stage), then interrupt.
    const fs::path tmp = out.string() + ".tmp-" + std::to_string(pid);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(tmp) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(fs::exists(tmp)) << "the run never reached its write stage";
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of handling it";
    if (WEXITSTATUS(status) == 0) continue;  // it finished first: nothing to check
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    EXPECT_FALSE(fs::exists(tmp)) << sig;
    EXPECT_FALSE(fs::exists(out)) << sig;
  }
}

TEST_F(Safety, LeftoversOfKilledRunsAreRemovedByTheNextRunAndNothingElse) {  // L1, O-13
  const fs::path v = clip();
  const fs::path out = dir / "v.summary";
  // A killed run's temporary folder (marked as the tool's), a summary moved aside by a killed --force, and a folder
  // of the user's that merely looks alike. 999999999 is no running process's id.
  fs::create_directories(out.string() + ".tmp-999999999");
  write(out.string() + ".tmp-999999999/.cords-summarize-partial", "");
  write(out.string() + ".tmp-999999999/sheet.jpg", "partial");
  ASSERT_EQ(run_cli(q(v) + " -o " + q(out.string() + ".old-999999999") + fast()).code, 0);
  fs::create_directories(out.string() + ".tmp-999999998");
  write(out.string() + ".tmp-999999998/mine.txt", "keep");
  // Killed between taking the marker away and moving the finished summary into place: a complete summary of the
  // tool, unmarked. And the same with a file of the user's in it, which is not the tool's.
  ASSERT_EQ(run_cli(q(v) + " -o " + q(out.string() + ".tmp-999999997") + fast()).code, 0);
  ASSERT_EQ(run_cli(q(v) + " -o " + q(out.string() + ".tmp-999999996") + fast()).code, 0);
  write(out.string() + ".tmp-999999996/mine.txt", "keep");
  fs::create_directories(out.string() + ".tmp-999999995");  // killed before its marker was written
  const auto r = run_cli(q(v) + " -o " + q(out) + fast());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-999999999"));
  EXPECT_FALSE(fs::exists(out.string() + ".old-999999999"));
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-999999997"));
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-999999995"));
  EXPECT_EQ(read(out.string() + ".tmp-999999996/mine.txt"), "keep");
  EXPECT_EQ(read(out.string() + ".tmp-999999998/mine.txt"), "keep");
}

// ---- Rule: options are validated before any work -----------------------------------------------------------------

TEST_F(Safety, OptionsAreRefusedBeforeAnyWork) {  // L3, L5, L10, P-3, P-7, P-16, P-21..P-26, S-34
  // The input does not exist: an option error (2) must come first, before anything reads it or loads a model.
  const std::string input = q(dir / "missing.mp4") + " -o " + q(dir / "o") + " -q ";
  for (const std::string bad :
       {"--sheet ../x.jpg", "--sheet /tmp/x.jpg", "--sheet sub/sheet.jpg", "--sheet sheet.txt", "--clip clip.xyz",
        "--clip summary.json", "--sheet x.jpg --clip x.jpg", "--sheet keyframes.jpg --clip keyframes.jpg",
        "--selector nan*facility-location", "--selector 'inf*facility-location+1*graph-cut'",
        "--selector 1e400*disparity-sum", "--sample-fps inf", "--clip-seconds inf", "--sample-fps nan",
        "--fraction 0.5 --budget 2", "--threads -1"}) {
    const auto r = run_cli(input + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
  }
  EXPECT_FALSE(fs::exists(dir / "x.jpg"));
  const std::string x = q(features());
  for (const std::string bad :
       {"--function nan*facility-location", "--function inf*facility-location", "--budget 2 --fraction 0.5"}) {
    const auto r = run_cli("select -q --features " + x + " " + bad + (bad.find("--budget") == 0 ? "" : " --budget 2"));
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
  }
}

}  // namespace
}  // namespace cords
