// `cords-summarize train` end to end through the executable: bad inputs with their documented exit codes,
// --compare, and data-parallel training with two processes over c10d/Gloo.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/run_cli.h"
#include "../support/temp_dir.h"
#include "cords/core/io.h"
#include "cords/core/rng.h"

namespace cords {
namespace {
namespace fs = std::filesystem;
using test::run_cli;

fs::path temp_dir(const std::string& name) {
  return test::fresh_temp_dir("cords-train-cli", name);
}

fs::path features_dataset() {
  static const fs::path d = [] {
    const fs::path dir = temp_dir("data");
    Rng rng(3);
    for (const char* part : {"train", "test"}) {
      const Index m = std::string(part) == "train" ? 900 : 300;
      Matrix x(m, 6);
      std::vector<std::int64_t> y;
      for (Index i = 0; i < m; ++i) {
        const auto c = static_cast<std::int64_t>(i % 3);
        for (Index t = 0; t < 6; ++t) x(i, t) = static_cast<float>((t / 2 == c ? 1.5 : 0.0) + rng.normal());
        y.push_back(c);
      }
      write_npy((dir / (std::string(part) + ".npy")).string(), x);
      write_npy((dir / (std::string(part) + "_labels.npy")).string(), y);
    }
    return dir;
  }();
  return d;
}

std::string common() {
  return "--dataset features --data-dir " + features_dataset().string() + " --model mlp --threads 1 --batch-size 30 ";
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// LibTorch lives in libcords-torch.so, loaded only by commands that need it (cords/plugin/torch_plugin.h).
TEST(TrainCli, LibTorchIsLoadedOnlyByCommandsThatNeedIt) {
  const auto loads_torch = [](const test::CliRun& r) { return r.out.find("libtorch_cpu") != std::string::npos; };
  const test::CliRun version = run_cli("--version", "LD_DEBUG=libs");
  EXPECT_EQ(version.code, 0);
  EXPECT_FALSE(loads_torch(version)) << "--version loaded LibTorch";
  const test::CliRun help = run_cli("train --help", "LD_DEBUG=libs");
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(loads_torch(help)) << "train --help did not load LibTorch: is LD_DEBUG honoured?";

  // A missing or foreign plugin: one line naming the file, exit code 1.
  const fs::path dir = temp_dir("plugin");
  const test::CliRun missing = run_cli("train --help", "CORDS_TORCH_PLUGIN=" + (dir / "libcords-torch.so").string());
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_NE(missing.out.find("libcords-torch.so was not found"), std::string::npos) << missing.out;
  EXPECT_EQ(std::count(missing.out.begin(), missing.out.end(), '\n'), 1) << missing.out;
  std::ofstream(dir / "not-a-library.so") << "not an ELF file\n";
  const test::CliRun foreign = run_cli("train --help", "CORDS_TORCH_PLUGIN=" + (dir / "not-a-library.so").string());
  EXPECT_EQ(foreign.code, 1) << foreign.out;
  EXPECT_NE(foreign.out.find("cannot load the LibTorch plugin"), std::string::npos) << foreign.out;
}

TEST(TrainCli, BadInputsGetOneLineErrorsAndDocumentedCodes) {
  const fs::path out = temp_dir("bad");
  auto r = run_cli("train --strategy full -o " + out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--dataset"), std::string::npos) << r.out;
  r = run_cli("train --dataset fashion-mnist --data-dir " + (out / "nowhere").string() + " -o " + out.string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("nowhere"), std::string::npos) << r.out;
  r = run_cli("train " + common() + "--strategy bogus -o " + out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("valid: full | random"), std::string::npos) << r.out;
  r = run_cli("train " + common() + "--strategy full --epochs 1 -o /dev/null/out");
  EXPECT_EQ(r.code, 5) << r.out;
  r = run_cli("train " + common() + "--strategy random --fraction 1.5 -o " + out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  // Truncated IDX files: input unreadable.
  const fs::path idx = temp_dir("idx");
  for (const char* f :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    std::ofstream(idx / f, std::ios::binary) << std::string("\0\0\x08\x03\0\0\0\x05", 8);
  r = run_cli("train --dataset mnist --data-dir " + idx.string() + " -o " + out.string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
}

#ifdef CORDS_TEST_HAVE_PLOT
// An image folder (one sub-folder per class, decoded with OpenCV): two classes of small PPM images, red-ish and
// blue-ish, plus a file that is not an image (a clear error).
TEST(TrainCli, ImageFolderDatasetTrainsAndRefusesUndecodableFiles) {
  const fs::path dir = temp_dir("folder"), out = temp_dir("folder-out");
  Rng rng(9);
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / (c == 0 ? "red" : "blue"));
    for (int i = 0; i < 40; ++i) {
      std::ofstream f(dir / (c == 0 ? "red" : "blue") / ("im" + std::to_string(i) + ".ppm"), std::ios::binary);
      f << "P6\n12 10\n255\n";
      for (int p = 0; p < 120; ++p) {
        const int noise = static_cast<int>(rng.uniform(60));
        const unsigned char px[3] = {static_cast<unsigned char>(c == 0 ? 180 + noise : noise),
                                     static_cast<unsigned char>(noise),
                                     static_cast<unsigned char>(c == 0 ? noise : 180 + noise)};
        f.write(reinterpret_cast<const char*>(px), 3);
      }
    }
  }
  auto r = run_cli("train --dataset folder --data-dir " + dir.string() +
                   " --image-size 8 --model linear --strategy full --epochs 3 "
                   "--batch-size 16 --threads 1 -q -o " +
                   out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto m = read_json(out / "metrics.json");
  EXPECT_EQ(m["classes"], 2);
  EXPECT_EQ(m["test_size"], 16) << "20% of 80 held out";
  EXPECT_GT(m["test_accuracy"].get<double>(), 0.9);
  std::ofstream(dir / "red" / "broken.png") << "not a png";
  r = run_cli("train --dataset folder --data-dir " + dir.string() + " --model linear -q -o " + out.string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("broken.png"), std::string::npos) << r.out;
}
#endif

TEST(TrainCli, CompareRunsEveryStrategyAndTabulatesAgainstFull) {
  const fs::path out = temp_dir("compare");
  const auto r =
      run_cli("train " + common() + "--compare full,random,craig-pb --epochs 3 --select-every 1 --fraction 0.2 -q -o " +
              out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("speed-up"), std::string::npos) << r.out;
  const auto c = read_json(out / "comparison.json");
  ASSERT_EQ(c["strategies"].size(), 3u);
  EXPECT_EQ(c["strategies"][0]["strategy"], "full");
  EXPECT_DOUBLE_EQ(c["strategies"][0]["speedup_vs_full"].get<double>(), 1.0);
  EXPECT_GT(c["strategies"][1]["speedup_vs_full"].get<double>(), 1.0) << "20% of the data trains faster";
  for (const char* run : {"full-seed0", "random-seed0", "craig-pb-seed0"})
    EXPECT_TRUE(fs::exists(out / run / "metrics.json")) << run;
#ifdef CORDS_TEST_HAVE_PLOT
  EXPECT_GT(fs::file_size(out / "accuracy.png"), 1000u);
#endif
}

TEST(TrainCli, TwoProcessesWithGlooTrainLikeOne) {
  const fs::path one = temp_dir("one"), two = temp_dir("two"), store = temp_dir("store") / "rendezvous";
  const std::string args = "train " + common() + "--strategy craig-pb --epochs 3 --select-every 1 --fraction 0.3 -q ";
  const auto single = run_cli(args + "-o " + one.string());
  ASSERT_EQ(single.code, 0) << single.out;
  // Both ranks at once; rank 1 writes nothing.
  const std::string dist = args + "--world-size 2 --dist-store " + store.string() + " -o " + two.string();
  const std::string cmd = "(" + std::string(CORDS_CLI_PATH) + " " + dist + " --rank 1 > " + (two.string() + ".r1.log") +
                          " 2>&1 & " + std::string(CORDS_CLI_PATH) + " " + dist + " --rank 0 > " +
                          (two.string() + ".r0.log") + " 2>&1; r0=$?; wait $!; r1=$?; " + "exit $((r0 + r1)))";
  const int rc = std::system(("timeout 300 bash -c '" + cmd + "'").c_str());
  std::ifstream l0(two.string() + ".r0.log"), l1(two.string() + ".r1.log");
  const std::string log0((std::istreambuf_iterator<char>(l0)), {}), log1((std::istreambuf_iterator<char>(l1)), {});
  ASSERT_EQ(rc, 0) << "rank 0: " << log0 << "\nrank 1: " << log1;
  const auto a = read_json(one / "metrics.json"), b = read_json(two / "metrics.json");
  EXPECT_EQ(b["world_size"], 2);
  // Same data, same subsets (rank 0 selects and broadcasts), gradients summed over the ranks: the same training up
  // to float summation order.
  EXPECT_NEAR(b["test_accuracy"].get<double>(), a["test_accuracy"].get<double>(), 0.01);
  EXPECT_NEAR(b["per_epoch"][2]["train_loss"].get<double>(), a["per_epoch"][2]["train_loss"].get<double>(), 1e-3);
}

}  // namespace
}  // namespace cords
