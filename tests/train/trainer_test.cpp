// The trainer on a tiny synthetic features dataset: CORDS' schedule (selection epochs, warm start, skipped epochs),
// metrics.json, reproducibility, learning, data readers and their errors.
#include <gtest/gtest.h>
#ifdef CORDS_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "../support/error_matchers.h"
#include "../support/golden.h"
#include "../support/temp_dir.h"
#include "cords/core/error.h"
#include "cords/core/io.h"
#include "cords/core/rng.h"
#include "cords/plugin/embedder_factory.h"
#include "cords/train/data.h"
#include "cords/train/trainer.h"

namespace cords::train {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path temp_dir(const std::string& name) {
  return test::fresh_temp_dir("cords-train-test", name);
}

// 3 well-separated Gaussian classes in 8 dimensions.
fs::path blobs_dataset(const std::string& name, Index n = 600) {
  const fs::path d = temp_dir(name);
  Rng rng(1);
  for (const char* part : {"train", "test"}) {
    const Index m = std::string(part) == "train" ? n : n / 3;
    Matrix x(m, 8);
    std::vector<std::int64_t> y;
    for (Index i = 0; i < m; ++i) {
      const auto c = static_cast<std::int64_t>(i % 3);
      for (Index t = 0; t < 8; ++t) x(i, t) = static_cast<float>((t % 3 == c ? 4.0 : 0.0) + rng.normal());
      y.push_back(c * 10 + 7);  // arbitrary label values: remapped to 0..2
    }
    write_npy((d / (std::string(part) + ".npy")).string(), x);
    write_npy((d / (std::string(part) + "_labels.npy")).string(), y);
  }
  return d;
}

TrainOptions base(const fs::path& data, const fs::path& out) {
  TrainOptions o;
  o.data.dataset = "features";
  o.data.data_dir = data.string();
  o.model = "mlp";
  o.device = "cpu";
  o.fraction = 0.25;
  o.epochs = 6;
  o.batch = 32;
  o.lr = 0.05;
  o.out = out.string();
  o.threads = 1;
  return o;
}

json metrics(const fs::path& out) {
  std::ifstream in(out / "metrics.json");
  return json::parse(in);
}

std::vector<std::string> phases(const json& m) {
  std::vector<std::string> p;
  for (const auto& e : m["per_epoch"]) p.push_back(e["phase"]);
  return p;
}

TEST(Trainer, FullTrainingLearnsAndWritesMetrics) {
  const fs::path data = blobs_dataset("full"), out = temp_dir("full-out");
  TrainOptions o = base(data, out);
  o.strategy = "full";
  const RunSummary r = run_training(o);
  EXPECT_GT(r.test_accuracy, 0.95);
  const json m = metrics(out);
  EXPECT_EQ(m["per_epoch"].size(), 6u);
  EXPECT_DOUBLE_EQ(m["test_accuracy"].get<double>(), r.test_accuracy);
  EXPECT_EQ(m["train_size"].get<int>() + m["val_size"].get<int>(), 600);
  EXPECT_EQ(m["val_size"].get<int>(), 60) << "10% validation split";
  EXPECT_GT(m["train_time_s"].get<double>(), 0.0);
  EXPECT_EQ(m["selection_time_s"].get<double>(), 0.0);
  EXPECT_EQ(m["classes"].get<int>(), 3);
  EXPECT_TRUE(fs::exists(out / "runs" / "full-seed0.json"));
  for (const auto& e : m["per_epoch"]) EXPECT_EQ(e["examples"].get<int>(), 540);
}

TEST(Trainer, MetricsMatchTheirGoldenFile) {
  const fs::path data = blobs_dataset("golden"), out = temp_dir("golden-out");
  TrainOptions o = base(data, out);
  o.strategy = "gradmatch-pb";
  o.select_every = 2;
  run_training(o);
  // Measured values (accuracies, losses, times; the subset, which follows the gradients: its coverage, and its
  // examples when the last, shorter batch is among those chosen) may differ between CPUs: their type is pinned, the
  // schedule, sizes and options exactly.
  test::expect_golden(metrics(out), "metrics",
                      {"test_accuracy", "val_accuracy", "train_loss", "val_loss", "test_loss", "epoch_time_s",
                       "selection_time_s", "train_time_s", "coverage", "examples", "blas_core", "threads"});
}

TEST(Trainer, RandomOnlineSelectsEveryREpochsFromEpochTwo) {
  const fs::path data = blobs_dataset("ro"), out = temp_dir("ro-out");
  TrainOptions o = base(data, out);
  o.strategy = "random-online";
  o.select_every = 2;
  run_training(o);
  const json m = metrics(out);
  // 0-based epochs 2 and 4 select (e % R == 0 and e > 1); the others train on the current subset.
  EXPECT_EQ(phases(m), (std::vector<std::string>{"subset", "subset", "selection", "subset", "selection", "subset"}));
  EXPECT_EQ(m["selections"].get<int>(), 2);
  EXPECT_EQ(m["budget"].get<int>(), 135);  // 0.25 x 540
  for (const auto& e : m["per_epoch"]) EXPECT_EQ(e["examples"].get<int>(), 135);
}

// A schedule that never selects (craig every 20 epochs in a 6-epoch run) would be a random run under its name: it is
// refused before training, with the fewest epochs that select (epoch e = 20 is the first with e % 20 == 0 and e > 1:
// 21 epochs); a schedule that selects says never_selected false.
TEST(Trainer, ARunThatCannotSelectIsRefusedWithTheFewestEpochs) {
  const fs::path data = blobs_dataset("never"), out = temp_dir("never-out");
  TrainOptions o = base(data, out);
  o.strategy = "craig";
  o.select_every = 20;
  try {
    run_training(o);
    ADD_FAILURE() << "a run that cannot select was not refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("epochs 21 or more"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("first selection is at epoch 21"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out / "metrics.json")) << "nothing trained";
  o.select_every = 2;
  EXPECT_FALSE(run_training(o).never_selected);
  const json m = metrics(out);
  EXPECT_FALSE(m["never_selected"].get<bool>());
  EXPECT_FALSE(m.contains("note"));
}

// InfoBatch: epoch 1 trains on everything (no loss is known yet), then below-mean-loss examples are pruned at random
// (fewer examples, never more than all), the last epochs (from ceil(0.875 T)) anneal to full data; seeded.
TEST(Trainer, InfoBatchPrunesWellLearnedExamplesThenAnneals) {
  const fs::path data = blobs_dataset("ib"), out = temp_dir("ib-out");
  TrainOptions o = base(data, out);
  o.strategy = "infobatch";
  o.epochs = 8;
  const RunSummary r = run_training(o);
  EXPECT_GT(r.test_accuracy, 0.95);
  const json m = metrics(out);
  std::vector<int> examples;
  for (const auto& e : m["per_epoch"]) examples.push_back(e["examples"].get<int>());
  EXPECT_EQ(examples.front(), 540);
  for (int e = 1; e < 7; ++e) {
    EXPECT_LT(examples[static_cast<std::size_t>(e)], 540) << "epoch " << e + 1 << " prunes";
    EXPECT_GT(examples[static_cast<std::size_t>(e)], 189)
        << "about half of the below-mean ones stay (at least 270 expected)";
  }
  EXPECT_EQ(examples.back(), 540);
  EXPECT_EQ(phases(m).back(), "full");
  EXPECT_DOUBLE_EQ(m["prune_ratio"].get<double>(), 0.5);
  run_training(o);
  const json m2 = metrics(out);
  std::vector<int> again;
  for (const auto& e : m2["per_epoch"]) again.push_back(e["examples"].get<int>());
  EXPECT_EQ(again, examples);
}

// RS2: every round trains on k examples, without replacement across rounds: 4 rounds of 135 cover all 540 (random
// subsets drawn independently would repeat some); the learning rate falls per step.
TEST(Trainer, Rs2CoversTheTrainSetBeforeRepeating) {
  const fs::path data = blobs_dataset("rs2"), out = temp_dir("rs2-out");
  TrainOptions o = base(data, out);
  o.strategy = "rs2";
  o.epochs = 4;
  run_training(o);
  const json m = metrics(out);
  for (const auto& e : m["per_epoch"]) EXPECT_EQ(e["examples"].get<int>(), 135);
  EXPECT_DOUBLE_EQ(m["coverage"].get<double>(), 1.0);
  double last = 1;
  for (const auto& e : m["per_epoch"]) {
    EXPECT_LT(e["lr"].get<double>(), last + 1e-12);
    last = e["lr"].get<double>();
  }
  EXPECT_GT(m["per_epoch"][1]["lr"].get<double>(), 0.5 * (1 + std::cos(M_PI * 1.0 / 4)) * 0.05 - 1e-9)
      << "(per step: the second round starts a quarter of the way through the steps)";
}

TEST(Trainer, WarmStartTrainsOnFullDataThenSkipsAsCords) {
  const fs::path data = blobs_dataset("warm"), out = temp_dir("warm-out");
  TrainOptions o = base(data, out);
  o.strategy = "craig";
  o.epochs = 8;
  o.kappa = 0.5;  // select_after = 4, warm-up = ceil(4 x 0.25) = 1 full epoch
  o.select_every = 2;
  run_training(o);
  const json m = metrics(out);
  EXPECT_EQ(phases(m), (std::vector<std::string>{"warm-full", "subset", "skipped", "skipped", "selection", "subset",
                                                 "selection", "subset"}));
  EXPECT_EQ(m["per_epoch"][0]["examples"].get<int>(), 540);
  EXPECT_EQ(m["per_epoch"][2]["examples"].get<int>(), 0);
  for (int e : {2, 3})  // skipped epochs leave the model as it was: the last evaluation stands
    for (const char* k : {"val_accuracy", "val_loss", "test_accuracy", "test_loss"})
      EXPECT_EQ(m["per_epoch"][e][k], m["per_epoch"][1][k]) << e << " " << k;
  EXPECT_GT(m["selection_time_s"].get<double>(), 0.0);
  EXPECT_TRUE(fs::exists(out / "runs" / "craig-per-class-warm0.5-seed0.json")) << "named apart from a cold run";
  EXPECT_EQ(warm_tag(0), "");
  EXPECT_EQ(warm_tag(0.25), "-warm0.25");
}

TEST(Trainer, EveryStrategyRunsAndIsReproducible) {
  const fs::path data = blobs_dataset("all");
  for (const std::string s : {"random", "random-online", "craig", "craig-pb", "gradmatch", "gradmatch-pb", "glister",
                              "glister-pb", "facloc-embed"}) {
    const fs::path out1 = temp_dir("rep1-" + s), out2 = temp_dir("rep2-" + s);
    TrainOptions o = base(data, out1);
    o.strategy = s;
    o.epochs = 4;
    o.select_every = 1;
    o.pool = 1.0;
    const RunSummary a = run_training(o);
    o.out = out2.string();
    const RunSummary b = run_training(o);
    EXPECT_EQ(a.test_accuracy, b.test_accuracy) << s;
    EXPECT_GT(a.test_accuracy, 0.8) << s << ": separable blobs";
    const json m = metrics(out1);
    EXPECT_EQ(m["per_epoch"][3]["train_loss"], metrics(out2)["per_epoch"][3]["train_loss"]) << s;
  }
}

TEST(Trainer, BadOptionsAreInvalidArguments) {
  const fs::path data = blobs_dataset("bad"), out = temp_dir("bad-out");
  TrainOptions o = base(data, out);
  auto kind = [&](TrainOptions t) {
    try {
      run_training(t);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::Internal;
  };
  o.strategy = "nope";
  EXPECT_EQ(kind(o), ErrorKind::InvalidArgument);
  o = base(data, out);
  o.model = "resnet18";  // features are not images
  EXPECT_EQ(kind(o), ErrorKind::InvalidArgument);
  o = base(data, out);
  o.fraction = 0;
  EXPECT_EQ(kind(o), ErrorKind::InvalidArgument);
  o = base(data, out);
  o.data.data_dir = (out / "missing").string();
  EXPECT_EQ(kind(o), ErrorKind::InputUnreadable);
  o = base(data, out);
  o.strategy = "glister";
  o.mode = Mode::PerClassPerGradient;
  EXPECT_EQ(kind(o), ErrorKind::InvalidArgument);
}

// A run stopped after an epoch (as by a kill: the checkpoint of the last finished epoch is what survives) and
// continued with --resume ends exactly as the uninterrupted run: every epoch's loss and accuracies, the subsets'
// effects, the random generators (batch order, InfoBatch's pruning, RS2's rounds, dropout) all continue.
TEST(Trainer, AnInterruptedRunResumesToTheUninterruptedResult) {
  const fs::path data = blobs_dataset("resume");
  struct Stop {};
  for (const std::string s : {"craig-pb", "gradmatch", "infobatch", "rs2", "full"}) {
    const fs::path whole = temp_dir("resume-whole-" + s), cut = temp_dir("resume-cut-" + s);
    TrainOptions o = base(data, whole);
    o.strategy = s;
    o.epochs = 6;
    o.select_every = 2;
    const RunSummary a = run_training(o);
    o.out = cut.string();
    EXPECT_THROW(run_training(o,
                              [](int done, int, const std::string&) {
                                if (done == 3) throw Stop{};
                              }),
                 Stop);
    ASSERT_EQ(std::distance(fs::directory_iterator(cut / "checkpoints"), fs::directory_iterator{}), 1) << s;
    EXPECT_FALSE(fs::exists(cut / "metrics.json")) << s;
    o.resume = true;
    int first_epoch = 0;
    const RunSummary b = run_training(o, [&](int done, int, const std::string&) {
      if (!first_epoch) first_epoch = done;
    });
    EXPECT_EQ(first_epoch, 4) << s << ": continued after epoch 3";
    EXPECT_EQ(a.test_accuracy, b.test_accuracy) << s;
    const json ma = metrics(whole), mb = metrics(cut);
    ASSERT_EQ(mb["per_epoch"].size(), 6u) << s;
    for (std::size_t e = 0; e < 6; ++e)
      for (const char* key : {"phase", "examples", "lr", "train_loss", "val_accuracy", "test_loss"})
        EXPECT_EQ(ma["per_epoch"][e][key], mb["per_epoch"][e][key]) << s << " epoch " << e + 1 << " " << key;
    EXPECT_EQ(ma["selections"], mb["selections"]) << s;
    EXPECT_EQ(ma["coverage"], mb["coverage"]) << s;
    EXPECT_TRUE(fs::is_empty(cut / "checkpoints")) << s << ": the completed run's checkpoint is removed";
    int calls = 0;  // --resume of a completed run: its record, no training
    const RunSummary c = run_training(o, [&](int, int, const std::string&) { ++calls; });
    EXPECT_EQ(calls, 0) << s;
    EXPECT_EQ(c.test_accuracy, a.test_accuracy) << s;
    EXPECT_EQ(metrics(cut)["per_epoch"], mb["per_epoch"]) << s;
  }
}

// --budget-time: the run stops near the budget (never more than half an epoch past it, plus the first epoch), its
// learning rate falls with the time spent, and a strategy whose selection the budget never reaches says so.
TEST(Trainer, ABudgetTimeRunFollowsTheClockNotTheEpochs) {
  const fs::path data = blobs_dataset("budget", 3000), out = temp_dir("budget-out");
  TrainOptions o = base(data, out);
  o.strategy = "rs2";
  o.budget_time = 0.6;
  o.epochs = 0;  // no cap: the budget decides
  const RunSummary r = run_training(o);
  const json m = metrics(out);
  ASSERT_GE(r.epochs, 2);
  EXPECT_EQ(m["epochs"], r.epochs);
  EXPECT_EQ(m["budget_time_s"], 0.6);
  const auto& ep = m["per_epoch"];
  const double last = ep.back()["epoch_time_s"].get<double>();
  EXPECT_LE(r.train_time_s, 0.6 + 0.5 * last + 0.05);
  EXPECT_GE(r.train_time_s, 0.6 - 1.5 * last - 0.05) << "stopped early";
  for (std::size_t e = 1; e < ep.size(); ++e) EXPECT_LT(ep[e]["lr"].get<double>(), ep[e - 1]["lr"].get<double>());
  o.strategy = "craig";
  o.select_every = 100000;  // never reached in the budget
  o.out = temp_dir("budget-never").string();
  EXPECT_TRUE(run_training(o).never_selected);
  o.kappa = 0.5;
  EXPECT_CORDS_ERROR(run_training(o), InvalidArgument);
}

// A random-online run of 5 epochs stopped after its second (as by a kill: its checkpoint is what survives), into
// OUT = temp_dir(name + "-out"); returns its options, to be resumed.
TrainOptions stopped_after_two_epochs(const std::string& name) {
  struct Stop {};
  TrainOptions o = base(blobs_dataset(name), temp_dir(name + "-out"));
  o.strategy = "random-online";
  o.epochs = 5;
  EXPECT_THROW(run_training(o,
                            [](int done, int, const std::string&) {
                              if (done == 2) throw Stop{};
                            }),
               Stop);
  return o;
}

TEST(Trainer, ResumeRefusesACheckpointOfOtherOptions) {
  TrainOptions o = stopped_after_two_epochs("resume-bad");
  const fs::path out = o.out;
  // The error a resume ends with: its kind and whether its message names `needle`.
  const auto fails_with = [](const TrainOptions& t, ErrorKind kind, const std::string& needle) {
    try {
      run_training(t);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      return e.kind() == kind;
    }
    return false;
  };
  o.resume = true;
  o.lr = 0.1;  // another run
  EXPECT_TRUE(fails_with(o, ErrorKind::InvalidArgument, "lr")) << "resumed a checkpoint of other options";
  // A torn or foreign file where the checkpoint should be: unreadable, with the way out.
  for (const auto& f : fs::directory_iterator(out / "checkpoints")) std::ofstream(f.path()) << "not a checkpoint";
  o.lr = 0.05;
  EXPECT_TRUE(fails_with(o, ErrorKind::InputUnreadable, "delete it")) << "read a broken checkpoint";
}

// A checkpoint that passes the type checks but holds what no run writes (the reliability review of 2026-12-07, L):
// a short RNG state (read past its end before), NaN weights or model, NaN times, an epoch list that disagrees with
// next_epoch, out-of-range counts. Each is refused with the field's name, never resumed into a wrong result.
TEST(Trainer, ResumeRefusesImplausibleCheckpoints) {
  TrainOptions o = stopped_after_two_epochs("resume-crafted");
  const fs::path out = o.out;
  fs::path ck;
  for (const auto& f : fs::directory_iterator(out / "checkpoints")) ck = f.path();
  ASSERT_FALSE(ck.empty());
  const fs::path good = out / "good.pt";
  fs::copy_file(ck, good);
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  // Each a field and its new value, made from the stored one (same size and type: only the values are wrong).
  const auto filled = [nan](double v) {
    return [v, nan](const c10::IValue& old) { return c10::IValue(old.toTensor().clone().fill_(v)); };
  };
  const auto constant = [](c10::IValue v) { return [v](const c10::IValue&) { return v; }; };
  const std::vector<std::pair<std::string, std::function<c10::IValue(const c10::IValue&)>>> changes = {
      {"rngs", constant(at::zeros({2}, at::kLong))},
      {"subset_weights", filled(nan)},
      {"subset_weights", filled(-1e30)},
      {"times", filled(nan)},
      {"model_0", filled(nan)},
      {"epochs", constant(c10::IValue(std::string("[]")))},
      {"next_epoch", constant(c10::IValue(std::int64_t{4}))},
      {"covered", filled(77)},
      {"selections", constant(c10::IValue(std::int64_t{-1000000}))},
      {"steps", constant(c10::IValue(std::int64_t{-4}))},
  };
  o.resume = true;
  for (const auto& [key, change] : changes) {
    torch::jit::Module m = torch::jit::load(good.string());
    m.setattr(key, change(m.attr(key)));
    m.save(ck.string());
    try {
      run_training(o);
      ADD_FAILURE() << key << ": resumed";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable) << key << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos) << key << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    }
  }
  fs::copy_file(good, ck, fs::copy_options::overwrite_existing);
  EXPECT_NO_THROW(run_training(o)) << "the untouched checkpoint resumes";
}

// The trainer on CUDA (gpu label; skipped without a device) against the same run on the CPU (the oracle): same
// data, same initial weights and subsets; float sums in another order, so accuracy within 2 points and loss 5%.
TEST(TrainerOnCuda, MatchesTheCpuRun) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const fs::path data = blobs_dataset("cuda"), out_cpu = temp_dir("cuda-cpu"), out_gpu = temp_dir("cuda-gpu");
  for (const std::string s : {"full", "gradmatch-pb", "craig"}) {
    TrainOptions o = base(data, out_cpu);
    o.strategy = s;
    o.select_every = 2;
    const RunSummary c = run_training(o);
    o.device = "cuda";
    o.out = out_gpu.string();
    const RunSummary g = run_training(o);
    EXPECT_NEAR(g.test_accuracy, c.test_accuracy, 0.02) << s;
    EXPECT_EQ(metrics(out_gpu)["device"].get<std::string>().substr(0, 4), "cuda") << s;
    const double lc = metrics(out_cpu)["per_epoch"][5]["train_loss"],
                 lg = metrics(out_gpu)["per_epoch"][5]["train_loss"];
    EXPECT_NEAR(lg, lc, 0.05 * lc + 1e-3) << s;
  }
}

void write_gz(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
#ifdef CORDS_TEST_HAVE_ZLIB
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
#else
  const fs::path raw = p.string() + ".raw";
  std::ofstream(raw, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  ASSERT_EQ(std::system(("gzip -c '" + raw.string() + "' > '" + p.string() + "'").c_str()), 0);
#endif
}

std::vector<std::uint8_t> idx_images(int n, int h, int w) {
  std::vector<std::uint8_t> b = {0, 0, 8, 3,
                                 0, 0, 0, static_cast<std::uint8_t>(n),
                                 0, 0, 0, static_cast<std::uint8_t>(h),
                                 0, 0, 0, static_cast<std::uint8_t>(w)};
  for (int i = 0; i < n * h * w; ++i) b.push_back(static_cast<std::uint8_t>(i % 256));
  return b;
}

// An MNIST-format image dataset: 3 classes of 12 x 12 grey images (a bright bar: horizontal, vertical or
// diagonal, at a random place) with noise.
fs::path bars_dataset(const std::string& name) {
  const fs::path d = temp_dir(name);
  Rng rng(4);
  for (const auto& [prefix, n] : {std::pair<std::string, int>{"train", 240}, {"t10k", 90}}) {
    std::vector<std::uint8_t> img = {
        0, 0,  8, 3, 0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 255), 0, 0,
        0, 12, 0, 0, 0, 12};
    std::vector<std::uint8_t> lab = {
        0, 0, 8, 1, 0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 255)};
    for (int i = 0; i < n; ++i) {
      const int c = i % 3, at = 2 + static_cast<int>(rng.uniform01() * 8);
      for (int y = 0; y < 12; ++y)
        for (int x = 0; x < 12; ++x) {
          const bool bar = c == 0 ? (y == at || y == at + 1) : c == 1 ? (x == at || x == at + 1) : std::abs(x - y) <= 1;
          img.push_back(static_cast<std::uint8_t>(std::clamp(rng.normal() * 20 + (bar ? 220 : 30), 0.0, 255.0)));
        }
      lab.push_back(static_cast<std::uint8_t>(c));
    }
    std::ofstream(d / (prefix + "-images-idx3-ubyte"), std::ios::binary)
        .write(reinterpret_cast<const char*>(img.data()), static_cast<long>(img.size()));
    std::ofstream(d / (prefix + "-labels-idx1-ubyte"), std::ios::binary)
        .write(reinterpret_cast<const char*>(lab.data()), static_cast<long>(lab.size()));
  }
  return d;
}

// facloc-embed on a fixed image CNN: the bundled video model (any TorchScript with cnn:PATH).
TEST(Trainer, FaclocEmbedWithTheBundledCnn) {
  if (embed::default_model_path().empty()) GTEST_SKIP() << "the bundled model is not in this tree";
  const fs::path data = bars_dataset("bars"), out = temp_dir("bars-out");
  TrainOptions o = base(data, out);
  o.data.dataset = "mnist";
  o.model = "mnistnet";
  o.strategy = "facloc-embed";
  o.encoder = parse_encoder("cnn");
  o.epochs = 3;
  const RunSummary r = run_training(o);
  const json m = metrics(out);
  EXPECT_EQ(m["encoder"], "cnn");
  const auto train_n = m["train_size"].get<std::int64_t>();
  EXPECT_EQ(m["budget"].get<std::int64_t>(), train_n / 4);  // fraction 0.25
  EXPECT_GT(r.selection_time_s, 0.0);
  EXPECT_GT(r.test_accuracy, 0.6) << "bars are easy";
  // Reproducible: the same subset, so the same run.
  o.out = temp_dir("bars-out2").string();
  EXPECT_EQ(run_training(o).test_accuracy, r.test_accuracy);

  auto kind = [](TrainOptions t) {
    try {
      run_training(t);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::Internal;
  };
  o.encoder = parse_encoder("cnn:" + (out / "missing.pt").string());
  EXPECT_EQ(kind(o), ErrorKind::ModelUnusable);
  TrainOptions f = base(blobs_dataset("bars-features"), temp_dir("bars-f"));
  f.strategy = "facloc-embed";
  f.encoder = parse_encoder("cnn");
  EXPECT_EQ(kind(f), ErrorKind::InvalidArgument) << "features are not images";
}

TEST(Data, IdxFilesGzipOrPlainAndTheirErrors) {
  const fs::path d = temp_dir("idx");
  const auto img = idx_images(3, 4, 5);
  write_gz(d / "a.gz", img);
  std::ofstream(d / "b", std::ios::binary)
      .write(reinterpret_cast<const char*>(img.data()), static_cast<long>(img.size()));
  const at::Tensor a = read_idx_images((d / "a.gz").string()), b = read_idx_images((d / "b").string());
  EXPECT_EQ(a.sizes(), (std::vector<std::int64_t>{3, 1, 4, 5}));
  EXPECT_TRUE(a.equal(b));
  EXPECT_FLOAT_EQ(a[0][0][0][1].item<float>(), 1.0f / 255);
  auto truncated = img;
  truncated.resize(img.size() - 7);
  write_gz(d / "t.gz", truncated);
  try {
    read_idx_images((d / "t.gz").string());
    ADD_FAILURE() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  std::ofstream(d / "text", std::ios::binary) << "not an idx file at all";
  EXPECT_CORDS_ERROR(read_idx_images((d / "text").string()), InputUnreadable);
  EXPECT_CORDS_ERROR(read_idx_images((d / "missing.gz").string()), InputUnreadable);
  EXPECT_CORDS_ERROR(read_cifar10({(d / "b").string()}), InputUnreadable) << "not whole 3073-byte records";
}

TEST(Data, SplitsAreSeededAndNormalised) {
  const fs::path data = blobs_dataset("split");
  DataOptions o;
  o.dataset = "features";
  o.data_dir = data.string();
  const Splits a = load_splits(o), b = load_splits(o);
  EXPECT_TRUE(a.train.x.equal(b.train.x));
  EXPECT_EQ(a.val.size(), 60);
  EXPECT_NEAR(a.train.x.mean().item<double>(), 0.0, 1e-5);
  EXPECT_NEAR(a.train.x.std(std::vector<std::int64_t>{0}, true, false).mean().item<double>(), 1.0, 1e-4);
  o.seed = 43;
  EXPECT_FALSE(load_splits(o).train.x.equal(a.train.x));
  o.dataset = "imagenet";
  EXPECT_CORDS_ERROR(load_splits(o), InvalidArgument);
}

}  // namespace
}  // namespace cords::train
