// End-to-end tests of `cords-summarize select`: real process, real files, documented exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../support/golden.h"
#include "../support/run_cli.h"
#include "../support/temp_dir.h"
#include "cords/core/io.h"
#include "cords/core/rng.h"

namespace cords {
namespace {
namespace fs = std::filesystem;

using test::CliRun;
CliRun run(const std::string& args) {
  return test::run_cli(args);
}

using test::slurp;

class SelectCli : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Rng rng(5);
    Matrix x(60, 4);
    for (Index i = 0; i < 60; ++i)
      for (Index t = 0; t < 4; ++t) x(i, t) = static_cast<float>((i % 3 == t ? 8.0 : 0.0) + rng.normal());
    write_npy(p("x.npy"), x);
  }
  std::string p(const std::string& name) const { return path(name); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
  }
};

TEST_F(SelectCli, WritesTheSelectionAsJson) {
  const CliRun r = run("select --features " + p("x.npy") + " --budget 3 -o " + p("s.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string j = slurp(p("s.json"));
  for (const char* key : {"\"selected\"", "\"gains\"", "\"objective\"", "\"timings_s\"", "\"kernel\"", "\"optimize\""})
    EXPECT_NE(j.find(key), std::string::npos) << key << " missing in " << j;
  EXPECT_EQ(entries(), 2u) << "only x.npy and s.json";
}

TEST_F(SelectCli, TheJsonMatchesItsGoldenFile) {
  const CliRun r = run("select --features " + p("x.npy") + " --budget 4 -o " + p("s.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  test::expect_golden(nlohmann::json::parse(slurp(p("s.json"))), "select",
                      {"features", "peak_memory_bytes", "kernel", "load", "optimize", "total", "blas"});
}

// One option table per command drives --help, the man page and completion: every option completion offers is in the
// man page with its range, and the words completion offers are the registries' names.
TEST(OptionTables, TheManPageAndCompletionComeFromTheTables) {
  const test::CliRun man = test::run_cli("--man");
  ASSERT_EQ(man.code, 0) << man.out;
  EXPECT_EQ(man.out.rfind(".TH CORDS\\-SUMMARIZE 1", 0), 0u) << "a man page";
  const auto lines = [](const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) v.push_back(l);
    return v;
  };
  const bool has_train = test::run_cli("train --complete-values").code == 0;  // (a build without LibTorch has none)
  for (const std::string cmd : {"", "select ", "train "}) {
    if (cmd == "train " && !has_train) continue;
    const test::CliRun names = test::run_cli(cmd + "--complete-values");
    ASSERT_EQ(names.code, 0) << cmd << names.out;
    const auto options = lines(names.out);
    EXPECT_GT(options.size(), 15u) << cmd;
    const test::CliRun help = test::run_cli(cmd.empty() ? "--help-summarize" : cmd + "--help");
    for (const auto& o : options) {
      if (o == "--help") continue;
      std::string roff = o;  // --sample-fps is \-\-sample\-fps in roff
      std::string escaped;
      for (char c : roff) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(man.out.find("\\fB" + escaped + "\\fR"), std::string::npos) << cmd << o << " is not in the man page";
      EXPECT_NE(help.out.find(o), std::string::npos) << cmd << o << " is not in --help";
    }
  }
  EXPECT_NE(man.out.find("Range: > 0. Default: 2."), std::string::npos) << "--sample-fps with its range and default";
  EXPECT_EQ(lines(test::run_cli("--complete-values --features").out),
            (std::vector<std::string>{"auto", "cnn", "histogram"}));
  EXPECT_EQ(lines(test::run_cli("select --complete-values --metric").out),
            (std::vector<std::string>{"cosine", "euclidean", "rbf", "dot", "precomputed"}));
  if (has_train) {
    const auto strategies = lines(test::run_cli("train --complete-values --strategy").out);
    for (const char* s : {"full", "craig", "craig-pb", "gradmatch-pb", "infobatch", "rs2"})
      EXPECT_NE(std::find(strategies.begin(), strategies.end(), s), strategies.end()) << s;
  }
  EXPECT_NE(test::run_cli("select --help").out.find("[>= 0]"), std::string::npos) << "--knn shows its range";
  const test::CliRun bad = test::run_cli("select --features x.npy --knn-probes 0");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("--knn-probes must be >= 1, got 0"), std::string::npos) << bad.out;
}

TEST_F(SelectCli, HelpListsFunctionsOptimizersAndExitCodes) {
  const CliRun r = run("select --help");
  EXPECT_EQ(r.code, 0);
  for (const char* s :
       {"facility-location", "log-determinant", "lazier-than-lazy", "Exit codes", "5  output unwritable"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  EXPECT_EQ(run("--help").code, 0);
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("--frobnicate").code, 2);
}

TEST_F(SelectCli, BadInputsGetOneLineErrorsAndDocumentedCodes) {
  std::ofstream(p("text.npy")) << "not a numpy file\n";
  std::ofstream(p("empty.npy"));
  const std::string x = " --features " + p("x.npy");
  struct Case {
    std::string args;
    int code;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"select --features " + p("missing.npy") + " --budget 2", 3, "no such file"},
      {"select --features " + dir.string() + " --budget 2", 3, "directory"},
      {"select --features " + p("text.npy") + " --budget 2", 3, "not a NumPy file"},
      {"select --features " + p("empty.npy") + " --budget 2", 3, "malformed"},
      {"select" + x + " --budget 61", 2, "larger than the number of elements"},
      {"select" + x + " --budget 0", 2, "--budget"},
      {"select" + x + " --fraction 1.5", 2, "fraction"},
      {"select" + x, 2, "--budget K or --fraction F"},
      {"select --budget 2", 2, "--features is required"},
      {"select" + x + " --budget 2 --function nope", 2, "valid functions: facility-location"},
      {"select" + x + " --budget 2 --optimizer nope", 2, "valid optimizers: naive"},
      {"select" + x + " --budget 2 --metric nope", 2, "valid metrics"},
      {"select" + x + " --budget 2 --bogus", 2, "bogus"},
      {"select" + x + " --budget 2 --metric dot", 2, "non-negative"},
      {"select" + x + " --budget 2 -o " + p("no/such/dir/s.json"), 5, "does not exist"},
      {"select" + x + " --budget 2 -o " + dir.string(), 5, "directory"},
  };
  for (const auto& c : cases) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.needle), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find("error:"), std::string::npos) << r.out;
  }
  EXPECT_FALSE(fs::exists(p("s.json")));
}

TEST_F(SelectCli, GroupsCsvAndKnnOptionsWork) {
  std::ofstream csv(p("x.csv"));
  csv << "a,b\n";
  for (int i = 0; i < 30; ++i) csv << (i % 2 ? 5 + i * 0.01 : i * 0.01) << "," << (i % 3) << "\n";
  csv.close();
  std::ofstream groups(p("g.txt"));
  for (int i = 0; i < 30; ++i) groups << (i % 2) << "\n";
  groups.close();
  CliRun r = run("select --features " + p("x.csv") + " --budget 4 --groups " + p("g.txt") + " -q -o " + p("g.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(slurp(p("g.json")).find("\"groups\""), std::string::npos);
  r = run("select --features " + p("x.npy") + " --fraction 0.1 --knn 5 -q -o -");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"recall\""), std::string::npos);
}

// Known answer on real data: the bundled UCI handwritten digits (1797 x 64, 10 classes). Facility location
// picks representatives of nearly every class; a random 10 covers about 6.5 classes on average.
TEST_F(SelectCli, DigitsSampleRepresentativesCoverTheClasses) {
  const std::string samples = std::string(CORDS_SOURCE_DIR) + "/samples/";
  const std::vector<std::int64_t> labels = read_labels(samples + "digits-labels.txt");
  ASSERT_EQ(labels.size(), 1797u);
  for (auto [k, min_classes] : {std::pair{10, 9u}, std::pair{20, 10u}}) {
    const CliRun r =
        run("select --features " + samples + "digits.csv --budget " + std::to_string(k) + " -q -o " + p("d.json"));
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string j = slurp(p("d.json"));
    const auto open = j.find('[', j.find("\"selected\""));
    std::stringstream ids(j.substr(open + 1, j.find(']', open) - open - 1));
    std::set<std::int64_t> classes;
    std::string tok;
    int count = 0;
    while (std::getline(ids, tok, ',')) {
      classes.insert(labels.at(static_cast<std::size_t>(std::stoll(tok))));
      ++count;
    }
    EXPECT_EQ(count, k);
    EXPECT_GE(classes.size(), min_classes) << "k=" << k;
  }
  // Per-class selection gives every class its share.
  const CliRun g = run("select --features " + samples + "digits.csv --budget 30 --groups " + samples +
                       "digits-labels.txt -q -o " + p("g.json"));
  ASSERT_EQ(g.code, 0) << g.out;
  EXPECT_EQ(slurp(p("g.json")).find("\"budget\": 2"), std::string::npos) << "each class of ~180 gets 3 of 30";
}

}  // namespace
}  // namespace cords
