// Picks 3 of 12 points in three tight clusters with facility location, through the installed selector library:
// one point from each cluster. Prints the picks and exits 0 when each cluster got one.
#include <cstdio>
#include <set>
#include <vector>

#include "cords/select/selection.h"

int main() {
  std::vector<float> x;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i) {
      x.push_back(c == 0 ? 1.0f : 0.01f * static_cast<float>(i));
      x.push_back(c == 1 ? 1.0f : 0.01f * static_cast<float>(i));
      x.push_back(c == 2 ? 1.0f : 0.01f * static_cast<float>(i));
    }
  cords::select::SelectionConfig cfg;  // facility location, cosine similarity, lazy greedy
  cfg.budget = cords::select::Budget::count(3);
  const cords::select::SelectionReport r = cords::select::run_selection(cords::MatrixView{x.data(), 12, 3}, cfg);
  std::set<long long> clusters;
  for (auto i : r.selection.selected) {
    std::printf("picked %lld (cluster %lld)\n", static_cast<long long>(i), static_cast<long long>(i / 4));
    clusters.insert(i / 4);
  }
  std::printf("objective %.4f\n", r.selection.objective);
  return clusters.size() == 3 ? 0 : 1;
}
