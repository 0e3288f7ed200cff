#include "cords/select/selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "../support/error_matchers.h"
#include "cords/core/error.h"
#include "test_data.h"

namespace cords::select {
namespace {

TEST(Budget, ResolvesACountOrAFractionOnce) {
  EXPECT_EQ(Budget::count(7).resolve(100), 7);
  EXPECT_EQ(Budget::fraction(0.05).resolve(100), 5);
  EXPECT_EQ(Budget::fraction(0.05).resolve(101), 6);  // ceil
  EXPECT_EQ(Budget::fraction(0.1).resolve(30), 3);    // 0.1 x 30 is 3.0000000000000004 in doubles
  EXPECT_EQ(Budget::fraction(0.01).resolve(10), 1);   // at least one
  EXPECT_EQ(Budget::fraction(1.0).resolve(10), 10);
  EXPECT_EQ(Budget::count(3).rule(), "budget");
  EXPECT_EQ(Budget::fraction(0.5).rule(), "fraction");
  EXPECT_EQ(Budget().rule(), "auto");
  EXPECT_CORDS_ERROR(Budget::count(11).resolve(10), InvalidArgument);
  EXPECT_CORDS_ERROR(Budget().resolve(10), InvalidArgument);  // automatic: the caller's rule, not run_selection's
  EXPECT_CORDS_ERROR(Budget::count(0), InvalidArgument);
  EXPECT_CORDS_ERROR(Budget::count(-2), InvalidArgument);
  EXPECT_CORDS_ERROR(Budget::fraction(0.0), InvalidArgument);
  EXPECT_CORDS_ERROR(Budget::fraction(1.5), InvalidArgument);
  EXPECT_CORDS_ERROR(Budget::fraction(std::nan("")), InvalidArgument);
  // Cost-aware selection's cap: none when automatic.
  EXPECT_EQ(Budget().cap(10), 0);
  EXPECT_EQ(Budget::count(11).cap(10), 10);
  EXPECT_EQ(Budget::fraction(0.25).cap(10), 3);
}

TEST(Apportion, ProportionalLargestRemainderAtLeastOne) {
  EXPECT_EQ(apportion({50, 30, 20}, 10), (std::vector<Index>{5, 3, 2}));
  EXPECT_EQ(apportion({97, 2, 1}, 5), (std::vector<Index>{3, 1, 1}));  // every group gets one when k >= groups
  EXPECT_EQ(apportion({10, 10, 10}, 2), (std::vector<Index>{1, 1, 0}));
  EXPECT_EQ(apportion({1, 1}, 5), (std::vector<Index>{1, 1}));  // capped at group sizes
  for (Index k = 1; k < 60; ++k) {
    const auto q = apportion({33, 1, 7, 12}, k);
    EXPECT_EQ(std::accumulate(q.begin(), q.end(), Index{0}), std::min<Index>(k, 53)) << k;
  }
}

TEST(RunSelection, PerGroupSelectionStaysInsideEachGroup) {
  Matrix x = test::blobs(400, 8, 8, 3);
  std::vector<std::int64_t> groups(400);
  for (Index i = 0; i < 400; ++i) groups[static_cast<std::size_t>(i)] = (i % 4) * 10;  // labels 0, 10, 20, 30
  SelectionConfig cfg;
  cfg.budget = Budget::count(20);
  const SelectionReport r = run_selection(x.view(), cfg, &groups);
  ASSERT_EQ(r.selection.selected.size(), 20u);
  ASSERT_EQ(r.groups.size(), 4u);
  std::map<std::int64_t, int> per;
  for (Index i : r.selection.selected) ++per[groups[static_cast<std::size_t>(i)]];
  for (auto& g : r.groups) {
    EXPECT_EQ(g.budget, 5);
    EXPECT_EQ(per[g.label], 5);
  }
  double sum = 0;
  for (auto& g : r.groups) sum += g.objective;
  EXPECT_NEAR(sum, r.selection.objective, 1e-9);
}

TEST(RunSelection, FindsOneRepresentativePerBlob) {
  Matrix x = test::blobs(1000, 32, 10, 4, 6.0);
  SelectionConfig cfg;
  cfg.budget = Budget::fraction(0.01);
  for (Index knn : {Index{0}, Index{20}}) {
    cfg.knn = knn;
    const SelectionReport r = run_selection(x.view(), cfg);
    std::set<Index> blobs;
    for (Index i : r.selection.selected) blobs.insert(i % 10);
    EXPECT_EQ(blobs.size(), 10u) << "knn=" << knn;
    EXPECT_EQ(r.used_knn, knn > 0);
  }
}

TEST(RunSelection, ValidatesInputs) {
  Matrix x = test::blobs(10, 3, 2, 1);
  SelectionConfig cfg;
  cfg.budget = Budget::count(3);
  cfg.optimizer = "nope";
  EXPECT_CORDS_ERROR(run_selection(x.view(), cfg), InvalidArgument);
  cfg.optimizer = "lazy";
  std::vector<std::int64_t> short_groups(5, 0);
  EXPECT_CORDS_ERROR(run_selection(x.view(), cfg, &short_groups), InvalidArgument);
  std::vector<double> costs(10, 1.0);
  std::vector<std::int64_t> groups(10, 0);
  EXPECT_CORDS_ERROR(run_selection(x.view(), cfg, &groups, &costs, 3.0), InvalidArgument);
  const SelectionReport r = run_selection(x.view(), cfg, nullptr, &costs, 3.0);
  EXPECT_EQ(r.selection.selected.size(), 3u);
}

}  // namespace
}  // namespace cords::select

namespace cords::select {
namespace {

TEST(RunSelection, RefusesADenseKernelThatCannotFitInMemory) {
  // 4 n^2 bytes for n = 2^22 is 64 TiB: refused before any allocation, with the way out in the message.
  const Index n = Index{1} << 22;
  Matrix one(1, 1);
  MatrixView huge{one.data(), n, 1};  // never read: the check comes first
  SelectionConfig cfg;
  cfg.budget = Budget::count(1);
  try {
    run_selection(huge, cfg);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("knn"), std::string::npos) << e.what();  // (its spelling is the application's)
  }
}

// The library names parameters; the application says how they are written (the CLI as flags, Python as keywords,
// the default): the reliability review found Python users told to "use --knn 16".
TEST(RunSelection, MessagesNameParametersAsTheApplicationSpellsThem) {
  const Index n = Index{1} << 22;
  Matrix one(1, 1);
  MatrixView huge{one.data(), n, 1};
  SelectionConfig cfg;
  cfg.budget = Budget::count(1);
  const auto message = [&] {
    try {
      run_selection(huge, cfg);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string python = message();
  EXPECT_NE(python.find("knn=16"), std::string::npos) << python;
  EXPECT_EQ(python.find("--"), std::string::npos) << python;
  set_parameter_spelling({[](const std::string& name) { return "--" + name; },
                          [](const std::string& name, const std::string& value) { return "--" + name + " " + value; }});
  const std::string cli = message();
  set_parameter_spelling({[](const std::string& name) { return name; },
                          [](const std::string& name, const std::string& value) { return name + "=" + value; }});
  EXPECT_NE(cli.find("--knn 16"), std::string::npos) << cli;
  EXPECT_NE(cli.find("--groups"), std::string::npos) << cli;
}

}  // namespace
}  // namespace cords::select
