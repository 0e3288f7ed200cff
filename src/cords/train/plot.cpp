// OUT/accuracy.png: test accuracy against training wall time, one line per run in OUT/runs/, or per strategy the
// mean over its seeds with a band of +- one standard deviation where it has several (OpenCV).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "cords/core/atomic_file.h"
#include "cords/train/trainer.h"

namespace cords::train {
namespace fs = std::filesystem;

namespace {

struct Line {
  std::string label, strategy;
  int seed = 0, select_every = 0;
  std::vector<std::pair<double, double>> pts;  // (train time s, test accuracy %)
};

double nice_step(double range, int ticks) {
  const double raw = range / ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

// A run's accuracy at time t: linear between its epochs, held after its last (t >= its first point).
double accuracy_at(const Line& l, double t) {
  if (t <= l.pts.front().first) return l.pts.front().second;
  for (std::size_t i = 1; i < l.pts.size(); ++i)
    if (t <= l.pts[i].first) {
      const auto [t0, a0] = l.pts[i - 1];
      const auto [t1, a1] = l.pts[i];
      return t1 > t0 ? a0 + (a1 - a0) * (t - t0) / (t1 - t0) : a1;
    }
  return l.pts.back().second;
}

// Per strategy with several runs: mean and standard deviation over its runs on a time grid from the latest first
// epoch to the earliest last one (where every run has a point on each side).
struct Band {
  std::vector<double> t, mean, sd;
};
Band band_of(const std::vector<const Line*>& runs) {
  double from = 0, to = std::numeric_limits<double>::infinity();
  for (const Line* l : runs) {
    from = std::max(from, l->pts.front().first);
    to = std::min(to, l->pts.back().first);
  }
  Band b;
  if (!(to > from)) return b;
  constexpr int kSteps = 120;
  for (int i = 0; i <= kSteps; ++i) {
    const double t = from + (to - from) * i / kSteps;
    double sum = 0, sq = 0;
    for (const Line* l : runs) {
      const double a = accuracy_at(*l, t);
      sum += a;
      sq += a * a;
    }
    const double n = static_cast<double>(runs.size()), m = sum / n;
    b.t.push_back(t);
    b.mean.push_back(m);
    b.sd.push_back(std::sqrt(std::max(0.0, (sq - n * m * m) / (n - 1))));
  }
  return b;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, std::fabs(v - std::round(v)) < 1e-9 ? "%.0f" : "%.1f", v);
  return b;
}

}  // namespace

namespace {

// Every run recorded in OUT/runs/*.json, in file order; one colour per strategy (a warm start and a differing
// selection interval make their own curves).
std::vector<Line> read_runs(const std::string& out_dir) {
  std::vector<Line> lines;
  std::error_code ec;
  const fs::path runs = fs::path(out_dir) / "runs";
  if (!fs::is_directory(runs, ec)) return lines;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(runs, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("per_epoch")) continue;
    Line l;
    l.strategy = j.value("strategy", "?");
    l.strategy = l.strategy + (j.value("mode", "").empty() ? "" : " (" + j.value("mode", "") + ")");
    // A warm start is another curve (and colour) of its strategy.
    if (const double kappa = j.value("kappa", 0.0); kappa > 0) l.strategy += " warm " + num(kappa);
    if (j.value("never_selected", false)) l.strategy += " (no selection)";  // a random run under its name
    l.seed = j.value("seed", 0);
    l.select_every = j.value("select_every", 0);
    for (const auto& ep : j["per_epoch"])
      l.pts.emplace_back(ep.value("train_time_s", 0.0), 100 * ep.value("test_accuracy", 0.0));
    if (!l.pts.empty()) lines.push_back(std::move(l));
  }
  // The selection interval joins the name only where runs of a strategy differ in it.
  std::map<std::string, std::set<int>> intervals;
  for (const auto& l : lines) intervals[l.strategy].insert(l.select_every);
  for (auto& l : lines) {
    if (intervals[l.strategy].size() > 1) l.strategy += " every " + std::to_string(l.select_every);
    l.label = l.strategy + " s" + std::to_string(l.seed);
  }
  return lines;
}

// The plot area and its scales: accuracy in steps of 5 points around the data; time linear from 0, or logarithmic
// when the runs' durations differ by more than 20x (subsets against full training; equal-time comparisons, where
// every run ends near the budget, stay linear).
struct Axes {
  static constexpr int W = 1200, H = 640, left = 80, right = 430, top = 50, bottom = 70;
  static constexpr int pw = W - left - right, ph = H - top - bottom;
  double tmax = 0, amin = 100, amax = 0, lo = 0;
  bool logx = false;

  explicit Axes(const std::vector<Line>& lines) {
    for (const auto& l : lines)
      for (auto [t, a] : l.pts) {
        tmax = std::max(tmax, t);
        amin = std::min(amin, a);
        amax = std::max(amax, a);
      }
    amin = std::max(0.0, std::floor(amin / 5) * 5);
    amax = std::min(100.0, std::ceil(amax / 5) * 5);
    if (amax <= amin) amax = amin + 5;
    tmax = std::max(tmax, 1e-3);
    double tmin = tmax, end_min = tmax;
    for (const auto& l : lines) {
      for (auto [t, a] : l.pts)
        if (t > 0) tmin = std::min(tmin, t);
      end_min = std::min(end_min, std::max(l.pts.back().first, 1e-9));
    }
    logx = tmax / end_min > 20;
    lo = logx ? std::pow(10.0, std::floor(std::log10(tmin))) : 0.0;
  }
  int X(double t) const {
    const double f =
        logx ? (std::log10(std::max(t, lo)) - std::log10(lo)) / (std::log10(tmax) - std::log10(lo)) : t / tmax;
    return left + static_cast<int>(std::lround(f * pw));
  }
  int Y(double a) const { return top + ph - static_cast<int>(std::lround((a - amin) / (amax - amin) * ph)); }
};

const cv::Scalar kInk(40, 40, 40);

// Grid, ticks, frame, title and axis label.
void draw_axes(cv::Mat& img, const Axes& ax) {
  const cv::Scalar grid(225, 225, 225);
  const double ts = nice_step(ax.tmax, 8), as = nice_step(ax.amax - ax.amin, 8);
  std::vector<double> xticks;
  if (ax.logx) {
    for (double dec = ax.lo; dec <= ax.tmax * 1.0001; dec *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (dec * m <= ax.tmax * 1.0001) xticks.push_back(dec * m);
  } else {
    for (double t = 0; t <= ax.tmax + 1e-9; t += ts) xticks.push_back(t);
  }
  const int left = Axes::left, top = Axes::top, pw = Axes::pw, ph = Axes::ph;
  for (double t : xticks) {
    cv::line(img, {ax.X(t), top}, {ax.X(t), top + ph}, grid, 1);
    cv::putText(img, num(t), {ax.X(t) - 12, top + ph + 22}, cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  }
  for (double a = ax.amin; a <= ax.amax + 1e-9; a += as) {
    cv::line(img, {left, ax.Y(a)}, {left + pw, ax.Y(a)}, grid, 1);
    cv::putText(img, num(a), {left - 42, ax.Y(a) + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  }
  cv::rectangle(img, {left, top}, {left + pw, top + ph}, kInk, 1);
  cv::putText(
      img,
      "test accuracy (%) against training time (s: training + selection, no evaluation); bands: +- 1 sd over seeds",
      {left, 30}, cv::FONT_HERSHEY_SIMPLEX, 0.55, kInk, 1, cv::LINE_AA);
  cv::putText(img, ax.logx ? "training wall time (s, log scale)" : "training wall time (s)",
              {left + pw / 2 - 110, Axes::H - 20}, cv::FONT_HERSHEY_SIMPLEX, 0.5, kInk, 1, cv::LINE_AA);
}

// The runs: strategies with several runs (seeds) as a band of +- one standard deviation around their mean with the
// runs' own epochs as dots; a single run as its line. A legend row each, with the final accuracy.
// One piece: band, mean line, dots and legend row of each run share its colour and the axes.
void draw_runs(cv::Mat& img, const Axes& ax, const std::vector<Line>& lines) {
  static const cv::Scalar palette[] = {{0, 0, 0},      {180, 119, 31},  {14, 127, 255}, {44, 160, 44},
                                       {40, 39, 214},  {189, 103, 148}, {75, 86, 140},  {194, 119, 227},
                                       {34, 189, 188}, {207, 190, 23}};
  std::map<std::string, int> colour;
  std::map<std::string, std::vector<const Line*>> by_strategy;
  for (const auto& l : lines) {
    if (!colour.count(l.strategy)) colour[l.strategy] = static_cast<int>(colour.size()) % 10;
    by_strategy[l.strategy].push_back(&l);
  }
  int row = 0;
  auto legend = [&](const cv::Scalar& c, const std::string& text) {
    if (row >= 24) return;
    const int ly = Axes::top + 10 + 22 * row++, lx = Axes::left + Axes::pw;
    cv::line(img, {lx + 15, ly}, {lx + 40, ly}, c, 3, cv::LINE_AA);
    cv::putText(img, text, {lx + 46, ly + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.42, kInk, 1, cv::LINE_AA);
  };
  for (const auto& [strategy, group] : by_strategy) {  // the bands first, under every line
    if (group.size() < 2) continue;
    const Band b = band_of(group);
    if (b.t.empty()) continue;
    std::vector<cv::Point> poly;
    for (std::size_t i = 0; i < b.t.size(); ++i)
      poly.emplace_back(ax.X(b.t[i]), ax.Y(std::min(ax.amax, b.mean[i] + b.sd[i])));
    for (std::size_t i = b.t.size(); i-- > 0;)
      poly.emplace_back(ax.X(b.t[i]), ax.Y(std::max(ax.amin, b.mean[i] - b.sd[i])));
    cv::Mat overlay = img.clone();
    cv::fillPoly(overlay, std::vector<std::vector<cv::Point>>{poly}, palette[colour[strategy]], cv::LINE_AA);
    cv::addWeighted(overlay, 0.22, img, 0.78, 0, img);
  }
  for (const auto& [strategy, group] : by_strategy) {
    const cv::Scalar c = palette[colour[strategy]];
    if (group.size() >= 2) {
      const Band b = band_of(group);
      for (const Line* l : group)
        for (auto [t, a] : l->pts) cv::circle(img, {ax.X(t), ax.Y(a)}, 2, c, cv::FILLED, cv::LINE_AA);
      for (std::size_t i = 1; i < b.t.size(); ++i)
        cv::line(img, {ax.X(b.t[i - 1]), ax.Y(b.mean[i - 1])}, {ax.X(b.t[i]), ax.Y(b.mean[i])}, c, 2, cv::LINE_AA);
      double sum = 0, sq = 0;
      for (const Line* l : group) {
        sum += l->pts.back().second;
        sq += l->pts.back().second * l->pts.back().second;
      }
      const double n = static_cast<double>(group.size()), m = sum / n,
                   sd = std::sqrt(std::max(0.0, (sq - n * m * m) / (n - 1)));
      char acc[96];
      std::snprintf(acc, sizeof acc, " (%zu runs) %.2f +- %.2f%%", group.size(), m, sd);
      legend(c, strategy + acc);
      continue;
    }
    const Line& l = *group.front();
    for (std::size_t i = 0; i < l.pts.size(); ++i) {
      const cv::Point p(ax.X(l.pts[i].first), ax.Y(l.pts[i].second));
      cv::circle(img, p, 3, c, cv::FILLED, cv::LINE_AA);
      if (i > 0) cv::line(img, {ax.X(l.pts[i - 1].first), ax.Y(l.pts[i - 1].second)}, p, c, 2, cv::LINE_AA);
    }
    char acc[64];
    std::snprintf(acc, sizeof acc, " %.2f%%", l.pts.back().second);
    legend(c, l.label + acc);
  }
}

}  // namespace

bool write_accuracy_plot(const std::string& out_dir) {
  const std::vector<Line> lines = read_runs(out_dir);
  if (lines.empty()) return false;
  const Axes ax(lines);
  cv::Mat img(Axes::H, Axes::W, CV_8UC3, cv::Scalar(255, 255, 255));
  draw_axes(img, ax);
  draw_runs(img, ax, lines);
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", img, png)) return false;
  write_file_atomic((fs::path(out_dir) / "accuracy.png").string(), std::string(png.begin(), png.end()));
  return true;
}

}  // namespace cords::train
