// Batch mode end to end: good and bad files, resume, shards as separate processes, kill -9 and rerun, locks.
#include "cords/pipeline/batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "../support/error_matchers.h"
#include "../support/golden.h"
#include "../support/run_cli.h"
#include "../support/temp_dir.h"
#include "cords/core/error.h"
#include "media.h"

namespace cords::pipeline {
namespace {
namespace fs = std::filesystem;
using test::Media;

class Batch : public test::TempDirTest {
 protected:
  const fs::path& root = dir;
  fs::path in;
  void SetUp() override {
    TempDirTest::SetUp();
    in = root / "in";
    fs::create_directories(in / "sub" / "deeper");
    const auto& m = Media::get();
    for (const auto& [src, dst] :
         std::vector<std::pair<std::string, fs::path>>{{"slideshow.mp4", in / "slideshow.mp4"},
                                                       {"fade.mp4", in / "sub" / "fade.mp4"},
                                                       {"ntsc.mp4", in / "sub" / "deeper" / "ntsc.mp4"},
                                                       {"vfr.mp4", in / "vfr.mkv.mp4"},
                                                       {"text.mp4", in / "sub" / "broken.mp4"},
                                                       {"truncated.mp4", in / "truncated.mp4"},
                                                       {"still.png", in / "still.png"}})
      fs::copy_file(m.path(src), dst);
  }
  static nlohmann::json report(const fs::path& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
  }
  static std::map<std::string, std::string> statuses(const nlohmann::json& r) {
    std::map<std::string, std::string> m;
    for (const auto& i : r["items"]) m[i["relative"]] = i["status"];
    return m;
  }
  // Every file under dir whose name says it is temporary or partial.
  static std::vector<std::string> debris(const fs::path& dir) {
    std::vector<std::string> v;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string n = e.path().filename().string();
      if (n.find(".tmp-") != std::string::npos || n.find(".old-") != std::string::npos) v.push_back(e.path().string());
    }
    return v;
  }
  static std::string keyframes(const fs::path& summary) {
    std::ifstream f(summary / "summary.json");
    const auto j = nlohmann::json::parse(f);
    std::string s;
    for (const auto& k : j["keyframes"]) s += std::to_string(k["pts"].get<long long>()) + ",";
    return s;
  }
  static const std::string kFast;  // keeps the test quick: histogram features, no clip
};
const std::string Batch::kFast = " -q --features histogram --no-clip";

TEST_F(Batch, TheReportMatchesItsGoldenFile) {
  const fs::path out = root / "out";
  const auto r = test::run_cli(in.string() + " -o " + out.string() + kFast + " --budget 3 --threads 2");
  EXPECT_EQ(r.code, 6) << r.out;
  test::expect_golden(report(out / "report.json"), "report", {"input", "output", "output_dir", "seconds", "error"});
}

TEST_F(Batch, SummarizesGoodFilesRecordsBadOnesAndResumes) {
  const fs::path out = root / "out";
  auto r = test::run_cli(in.string() + " -o " + out.string() + kFast + " --jobs 2");
  EXPECT_EQ(r.code, 6) << r.out;
  auto st = statuses(report(out / "report.json"));
  EXPECT_EQ(st, (std::map<std::string, std::string>{{"slideshow.mp4", "done"},
                                                    {"sub/fade.mp4", "done"},
                                                    {"sub/deeper/ntsc.mp4", "done"},
                                                    {"vfr.mkv.mp4", "done"},
                                                    {"sub/broken.mp4", "failed"},
                                                    {"truncated.mp4", "failed"}}));
  EXPECT_TRUE(fs::exists(out / "sub" / "deeper" / "ntsc.summary" / "summary.json")) << "outputs mirror the inputs";
  EXPECT_TRUE(fs::exists(out / "vfr.mkv.summary" / "sheet.jpg"));
  const auto first = report(out / "report.json");  // named: iterating a temporary's member would dangle
  int failed = 0;
  for (const auto& i : first["items"])
    if (i["status"] == "failed") {
      ++failed;
      EXPECT_EQ(i["exit_code"], 3);
      EXPECT_NE(i["error"].get<std::string>().find("cannot read video"), std::string::npos);
    }
  EXPECT_EQ(failed, 2);
  // The gallery: a card per summarized video whose sheet exists (relative links), and the failures listed.
  std::ifstream page(out / "index.html");
  std::stringstream html;
  html << page.rdbuf();
  for (const auto& i : first["items"]) {
    if (i["status"] != "done") continue;
    const std::string sheet =
        fs::path(i["relative"].get<std::string>()).replace_extension(".summary").string() + "/sheet.jpg";
    EXPECT_NE(html.str().find("src=\"" + sheet + "\""), std::string::npos) << sheet;
    EXPECT_TRUE(fs::exists(out / sheet)) << sheet;
  }
  EXPECT_NE(html.str().find("sub/broken.mp4"), std::string::npos);
  EXPECT_NE(html.str().find("4 videos summarized, 2 failed"), std::string::npos);
  // Rerun: the complete ones are skipped, the bad ones fail again.
  r = test::run_cli(in.string() + " -o " + out.string() + kFast);
  EXPECT_EQ(r.code, 6);
  st = statuses(report(out / "report.json"));
  EXPECT_EQ(st["slideshow.mp4"], "skipped");
  EXPECT_EQ(st["sub/deeper/ntsc.mp4"], "skipped");
  // Only good files: exit 0; --force redoes them.
  r = test::run_cli((in / "slideshow.mp4").string() + " " + (in / "sub" / "fade.mp4").string() + " -o " + out.string() +
                    kFast + " --force");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(statuses(report(out / "report.json"))["slideshow.mp4"], "done");
  EXPECT_TRUE(debris(out).empty());
}

// The gallery in a real browser: headless Chromium loads OUT/index.html and the page's own script counts the sheets
// that decoded; every card must have one.
TEST_F(Batch, GalleryRendersEverySheetInChromium) {
  if (::access("/usr/bin/chromium", X_OK) != 0)
    GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh installs it)";
  const fs::path out = root / "out";
  test::run_cli(in.string() + " -o " + out.string() + kFast);
  const std::string cmd =
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
      (root / "chrome").string() + " --virtual-time-budget=10000 --dump-dom file://" + (out / "index.html").string() +
      " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string dom;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) dom.append(buf, n);
  ::pclose(p);
  EXPECT_NE(dom.find("data-cards=\"4\""), std::string::npos) << dom.substr(0, 400);
  EXPECT_NE(dom.find("data-sheets=\"4\""), std::string::npos) << "every sheet decoded in the browser";
}

TEST_F(Batch, ShardsAsSeparateProcessesDoEveryVideoExactlyOnce) {
  const fs::path out = root / "out";
  std::vector<std::thread> procs;
  std::vector<int> codes(3);
  for (int s = 0; s < 3; ++s)
    procs.emplace_back([&, s] {
      codes[static_cast<std::size_t>(s)] =
          test::run_cli(in.string() + " -o " + out.string() + kFast + " --shard " + std::to_string(s) + "/3").code;
    });
  for (auto& p : procs) p.join();
  std::multiset<std::string> seen;
  for (int s = 0; s < 3; ++s) {
    const auto r = report(out / ("report-shard-" + std::to_string(s) + "-of-3.json"));
    for (const auto& i : r["items"]) seen.insert(i["relative"].get<std::string>());
    EXPECT_EQ(codes[static_cast<std::size_t>(s)], r["failed"].get<int>() > 0 ? 6 : 0);
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 6u) << "no video in two shards";
  // Merged: one report of all six and a gallery; exit 6 because two videos failed.
  EXPECT_EQ(test::run_cli("report " + out.string()).code, 6);
  const auto merged = report(out / "report.json");
  EXPECT_EQ(merged["videos"], 6);
  EXPECT_EQ(merged["failed"], 2);
  EXPECT_TRUE(fs::exists(out / "index.html"));
  EXPECT_EQ(test::run_cli("report " + (root / "nothing").string()).code, 3);
  // The same split from a Slurm job array's environment (task ids 1..3): the child inherits these.
  ::setenv("SLURM_ARRAY_TASK_ID", "2", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
  test::run_cli(in.string() + " -o " + (root / "slurm").string() + kFast);
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  const auto slurm = report(root / "slurm" / "report-shard-1-of-3.json");
  std::set<std::string> a, b;
  for (const auto& i : slurm["items"]) a.insert(i["relative"]);
  const auto shard1 = report(out / "report-shard-1-of-3.json");
  for (const auto& i : shard1["items"]) b.insert(i["relative"]);
  EXPECT_EQ(a, b);
}

TEST_F(Batch, KillNineThenRerunEqualsAnUninterruptedRun) {
  // Copies of the slideshow under different names; killed as soon as the first summary is in place, so in the middle.
  constexpr int kClips = 16;
  fs::remove_all(in);
  fs::create_directories(in);
  for (int i = 0; i < kClips; ++i)
    fs::copy_file(Media::get().path("slideshow.mp4"), in / ("clip" + std::to_string(i) + ".mp4"));
  const std::string args = in.string() + " -o " + (root / "killed").string() + " -q --features histogram --jobs 1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", (std::string("exec ") + CORDS_CLI_PATH + " " + args).c_str(), nullptr);
    ::_exit(127);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto first_done = [&] {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root / "killed", ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename() == "summary.json") return true;
    return false;
  };
  while (!first_done() && std::chrono::steady_clock::now() - started < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the batch finished before it could be killed; make it longer";
  // Rerun, and an uninterrupted run elsewhere.
  EXPECT_EQ(test::run_cli(args).code, 0);
  EXPECT_EQ(test::run_cli(in.string() + " -o " + (root / "clean").string() + " -q --features histogram").code, 0);
  EXPECT_TRUE(debris(root / "killed").empty()) << debris(root / "killed").front();
  for (int i = 0; i < kClips; ++i) {
    const std::string name = "clip" + std::to_string(i) + ".summary";
    EXPECT_EQ(keyframes(root / "killed" / name), keyframes(root / "clean" / name)) << name;
    EXPECT_TRUE(fs::exists(root / "killed" / name / "summary.mp4")) << name;
  }
}

TEST_F(Batch, AVideoLockedByAnotherProcessIsLeftToIt) {
  const fs::path out = root / "out";
  BatchConfig cfg;
  cfg.inputs = {(in / "slideshow.mp4").string()};
  cfg.output_dir = out.string();
  cfg.video.embedder.features = embed::Features::Histogram;
  cfg.video.write_clip = false;
  fs::create_directories(out / ".locks");
  // The lock file of "slideshow.mp4" (named by the hash of its relative path), held as another process would.
  run_batch(cfg);  // creates it
  std::string lock;
  for (const auto& e : fs::directory_iterator(out / ".locks")) lock = e.path().string();
  const int fd = ::open(lock.c_str(), O_RDWR);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  cfg.force = true;
  const BatchReport r = run_batch(cfg);
  ::close(fd);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].status, pipeline::ItemStatus::Locked);
  EXPECT_EQ(parse_shard("2/5").index, 2);
  EXPECT_CORDS_ERROR(parse_shard("5/5"), InvalidArgument);
  EXPECT_CORDS_ERROR(parse_shard("x"), InvalidArgument);
}

}  // namespace
}  // namespace cords::pipeline
