#pragma once
// Embedders turn frames into feature vectors for the selector. HistogramEmbedder (colour histograms, no model) is
// here; the CNN embedder comes with the model. Embeddings are L2-normalised rows.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cords/core/image.h"

namespace cords::embed {

/// Thread-safety contract: once made, an Embedder is immutable; embed() may be called from several threads at once
/// on the same object (batch mode's jobs share one model in one process, pipeline/batch.cpp), each call with its own
/// images and output. Implementations keep no state between calls: the histogram embedder works on locals, the
/// CNN embedder runs its TorchScript module's forward under c10::InferenceMode, which LibTorch allows concurrently
/// (on CUDA, each thread on the current stream). name(), dim() and the input size are constants. Making and
/// destroying an Embedder are not concurrent with its use.
class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::string name() const = 0;
  virtual int dim() const = 0;
  /// The frame size the embedder wants from the decoder (0 keeps the aspect ratio for that side).
  virtual int input_width() const = 0;
  virtual int input_height() const = 0;
  /// Writes one dim()-long row per image into out (images.size() x dim(), row-major).
  virtual void embed(const std::vector<const Image*>& images, float* out) = 0;
};

/// HSV colour histograms: a global 16 (hue) x 4 (saturation) x 4 (value) histogram plus an 8 x 2 x 2 histogram
/// for each cell of a 2 x 2 grid (coarse spatial layout): 384 dims. Each histogram is L1-normalised and
/// square-rooted (so cosine similarity is the Bhattacharyya coefficient), then the row is L2-normalised.
/// Frames are taken at 160 pixels wide.
std::unique_ptr<Embedder> histogram_embedder();

/// Mean luma (0..255) of an image: fades to or from black show as dark runs.
double mean_luma(const Image& img);

/// What a picture's luma says of its quality as a keyframe. `correlation`: between horizontally adjacent pixels,
/// about 0.8-1 for camera and rendered pictures, near 0 for noise (TV static); 1 for a uniform picture.
/// `sharpness`: mean absolute Laplacian (0..255 scale): small for a blurred or flat picture. `spread`: standard
/// deviation of the luma (a flat picture's compression noise is uncorrelated too, but faint). `mean`: mean_luma().
/// `tiny`: the luma averaged over a 16x9 grid, row by row (two pictures whose grids are close are the same picture
/// give or take noise and compression). One pass over the picture's luma for all of them.
struct PictureQuality {
  double correlation = 1.0;
  double sharpness = 0.0;
  double spread = 0.0;
  double mean = 0.0;
  std::array<std::uint8_t, 16 * 9> tiny{};
};
PictureQuality picture_quality(const Image& img);

}  // namespace cords::embed
