#include <algorithm>
#include <cmath>
#include <vector>

#include "cords/embed/embedder.h"

namespace cords::embed {
namespace {

constexpr int kH = 16, kS = 4, kV = 4;             // global histogram
constexpr int kCellH = 8, kCellS = 2, kCellV = 2;  // per cell of the 2 x 2 grid
constexpr int kGlobal = kH * kS * kV;
constexpr int kCell = kCellH * kCellS * kCellV;
constexpr int kDim = kGlobal + 4 * kCell;

// RGB (0..255) -> hue in [0, 1), saturation and value in [0, 1].
inline void hsv(const std::uint8_t* p, float& h, float& s, float& v) {
  const float r = p[0] / 255.0f, g = p[1] / 255.0f, b = p[2] / 255.0f;
  const float mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
  v = mx;
  s = mx > 0 ? d / mx : 0.0f;
  if (d <= 0) {
    h = 0;
    return;
  }
  if (mx == r)
    h = (g - b) / d;
  else if (mx == g)
    h = 2.0f + (b - r) / d;
  else
    h = 4.0f + (r - g) / d;
  h /= 6.0f;
  if (h < 0) h += 1.0f;
}

inline int bin(float x, int n) {
  return std::min(n - 1, static_cast<int>(x * n));
}

void normalise_sqrt(float* h, int n) {
  double total = 0;
  for (int i = 0; i < n; ++i) total += h[i];
  if (total <= 0) return;
  for (int i = 0; i < n; ++i) h[i] = static_cast<float>(std::sqrt(h[i] / total));
}

class HistogramEmbedder final : public Embedder {
 public:
  std::string name() const override { return "histogram"; }
  int dim() const override { return kDim; }
  int input_width() const override { return 160; }
  int input_height() const override { return 0; }
  void embed(const std::vector<const Image*>& images, float* out) override {
#pragma omp parallel for schedule(dynamic) if (images.size() > 1)
    for (std::size_t t = 0; t < images.size(); ++t) one(*images[t], out + t * kDim);
  }

 private:
  static void one(const Image& img, float* row) {
    std::fill(row, row + kDim, 0.0f);
    float* cells = row + kGlobal;
    for (int y = 0; y < img.height; ++y) {
      const int cy = y * 2 / std::max(1, img.height);
      for (int x = 0; x < img.width; ++x) {
        float h, s, v;
        hsv(img.pixel(x, y), h, s, v);
        row[(bin(h, kH) * kS + bin(s, kS)) * kV + bin(v, kV)] += 1.0f;
        const int cell = cy * 2 + x * 2 / std::max(1, img.width);
        cells[cell * kCell + (bin(h, kCellH) * kCellS + bin(s, kCellS)) * kCellV + bin(v, kCellV)] += 1.0f;
      }
    }
    normalise_sqrt(row, kGlobal);
    for (int c = 0; c < 4; ++c) normalise_sqrt(cells + c * kCell, kCell);
    double nn = 0;
    for (int i = 0; i < kDim; ++i) nn += static_cast<double>(row[i]) * row[i];
    const float inv = nn > 0 ? static_cast<float>(1.0 / std::sqrt(nn)) : 0.0f;
    for (int i = 0; i < kDim; ++i) row[i] *= inv;
  }
};

}  // namespace

std::unique_ptr<Embedder> histogram_embedder() {
  return std::make_unique<HistogramEmbedder>();
}

double mean_luma(const Image& img) {
  if (img.empty()) return 0;
  double total = 0;
  const std::size_t n = static_cast<std::size_t>(img.width) * img.height;
  for (std::size_t i = 0; i < n; ++i)
    total += 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  return total / static_cast<double>(n);
}

PictureQuality picture_quality(const Image& img) {
  PictureQuality q;
  if (img.empty()) return q;
  const int w = img.width, h = img.height;
  std::vector<float> y(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  double total = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double v = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
    y[i] = static_cast<float>(v);
    total += v;  // (in double, exactly as mean_luma)
  }
  q.mean = total / static_cast<double>(y.size());
  const auto at = [&](int r, int c) {
    return static_cast<double>(
        y[static_cast<std::size_t>(r) * static_cast<std::size_t>(w) + static_cast<std::size_t>(c)]);
  };
  for (int by = 0; by < 9; ++by)
    for (int bx = 0; bx < 16; ++bx) {
      const int x0 = bx * w / 16, x1 = std::max(x0 + 1, (bx + 1) * w / 16);
      const int y0 = by * h / 9, y1 = std::max(y0 + 1, (by + 1) * h / 9);
      double sum = 0;
      int count = 0;
      for (int r = y0; r < y1 && r < h; ++r)
        for (int c = x0; c < x1 && c < w; ++c) {
          sum += at(r, c);
          ++count;
        }
      q.tiny[static_cast<std::size_t>(by) * 16 + static_cast<std::size_t>(bx)] =
          static_cast<std::uint8_t>(count > 0 ? std::lround(sum / count) : 0);
    }
  if (w < 3 || h < 3) return q;
  // Correlation of horizontal neighbours: sums over all pairs (a, b) = (y[r][c], y[r][c + 1]).
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, lap = 0;
  double pairs = 0, inner = 0;
  for (int r = 0; r < h; ++r)
    for (int c = 0; c + 1 < w; ++c) {
      const double a = at(r, c), b = at(r, c + 1);
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
      pairs += 1;
    }
  for (int r = 1; r + 1 < h; ++r)
    for (int c = 1; c + 1 < w; ++c) {
      lap += std::fabs(4 * at(r, c) - at(r - 1, c) - at(r + 1, c) - at(r, c - 1) - at(r, c + 1));
      inner += 1;
    }
  const double va = saa - sa * sa / pairs, vb = sbb - sb * sb / pairs, cov = sab - sa * sb / pairs;
  q.correlation = va > 1e-6 * pairs && vb > 1e-6 * pairs ? cov / std::sqrt(va * vb) : 1.0;
  q.sharpness = lap / inner;
  q.spread = std::sqrt(std::max(0.0, va / pairs));
  return q;
}

}  // namespace cords::embed
