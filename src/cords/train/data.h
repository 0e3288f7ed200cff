#pragma once
// Training data for `cords-summarize train`, loaded whole into memory as tensors (no per-image conversion while
// training): Fashion-MNIST / MNIST IDX files (gzip or not), CIFAR-10 binary batches, an image folder (one
// sub-folder per class, decoded with OpenCV), or precomputed features (.npy + labels). Every failure is a
// cords::Error naming the file: InputUnreadable for missing/truncated/malformed data, InvalidArgument for data that
// is readable but unusable. ATen only.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cords::train {

/// N examples: x is N x C x H x W (images) or N x D (features), float32, as stored (images scaled to [0, 1]);
/// y is N int64 labels in [0, classes).
struct TensorData {
  at::Tensor x;
  at::Tensor y;
  int classes = 0;
  std::vector<std::string> class_names;  ///< may be empty (then "0".."C-1")
  std::int64_t size() const { return x.defined() ? x.size(0) : 0; }
};

/// Train (after the validation split), validation and test sets, normalised with the train set's per-channel
/// (per-feature for features) mean and standard deviation.
struct Splits {
  TensorData train, val, test;
  std::string name;         ///< dataset kind
  std::vector<float> mean;  ///< per channel (images) or per feature
  std::vector<float> std;
};

struct DataOptions {
  std::string dataset;         ///< fashion-mnist | mnist | cifar10 | folder | features
  std::string data_dir;        ///< where the files are (fashion-mnist defaults to /usr/share/datasets/fashion-mnist)
  double val_fraction = 0.1;   ///< share of the train set held out for validation (CORDS: 10%), in [0, 0.5]
  double test_fraction = 0.2;  ///< folder/features without a test part: share held out as the test set
  std::uint64_t seed = 42;     ///< split seed (CORDS uses 42 for its random_split)
  int image_size = 32;         ///< folder: images are resized to this square size (RGB)
  std::int64_t limit = 0;      ///< > 0: keep only the first `limit` train examples (quick runs, tests)
};

/// Valid --dataset names.
const std::vector<std::string>& dataset_names();

/// Loads and splits. Throws as described above (unknown dataset: InvalidArgument listing the valid names).
Splits load_splits(const DataOptions& opts);

// The individual readers (exposed for tests).
/// IDX images (N x 1 x H x W in [0, 1]) and labels; `path` may end in .gz.
at::Tensor read_idx_images(const std::string& path);
at::Tensor read_idx_labels(const std::string& path);
/// CIFAR-10 binary batches (3073-byte records): appends to x (N x 3 x 32 x 32) and y.
TensorData read_cifar10(const std::vector<std::string>& files);
/// An image folder: DIR/<class>/<image> (classes sorted by name), each image resized to size x size RGB.
TensorData read_image_folder(const std::string& dir, int size);
/// Features: an n x d matrix (.npy/CSV) and n labels (any integers; remapped to 0..C-1 in sorted order).
TensorData read_features(const std::string& features, const std::string& labels);

}  // namespace cords::train
