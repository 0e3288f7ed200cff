#include "cords/train/data.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "cords/core/dataset_files.h"
#include "cords/core/error.h"
#include "cords/core/io.h"
#include "cords/core/rng.h"

namespace cords::train {
namespace fs = std::filesystem;

namespace {

Error unreadable(const std::string& path, const std::string& why) {
  return Error(ErrorKind::InputUnreadable, "cannot read '" + path + "': " + why);
}

std::string find_file(const std::string& dir, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    for (const std::string& cand : {dir + "/" + n, dir + "/" + n + ".gz"}) {
      std::error_code ec;
      if (fs::is_regular_file(cand, ec)) return cand;
    }
  }
  throw unreadable(dir + "/" + names.front(),
                   "not found (also tried .gz" + std::string(names.size() > 1 ? " and " + names[1] : "") + ")");
}

TensorData load_idx_pair(const std::string& dir, const std::string& prefix) {
  TensorData d;
  d.x = read_idx_images(find_file(dir, {prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte"}));
  d.y = read_idx_labels(find_file(dir, {prefix + "-labels-idx1-ubyte", prefix + "-labels.idx1-ubyte"}));
  if (d.x.size(0) != d.y.size(0))
    throw Error(ErrorKind::InvalidArgument, "'" + dir + "': " + std::to_string(d.x.size(0)) + " " + prefix +
                                                " images but " + std::to_string(d.y.size(0)) + " labels");
  d.classes = static_cast<int>(d.y.max().item<std::int64_t>()) + 1;
  return d;
}

at::Tensor take(const at::Tensor& t, const std::vector<std::int64_t>& idx) {
  return t.index_select(0, at::tensor(idx, at::kLong)).contiguous();
}

TensorData subset(const TensorData& d, const std::vector<std::int64_t>& idx) {
  TensorData s;
  s.x = take(d.x, idx);
  s.y = take(d.y, idx);
  s.classes = d.classes;
  s.class_names = d.class_names;
  return s;
}

// Splits d into (rest, held) with `held_n` examples held out, by a seeded permutation; rest keeps permuted order.
std::pair<TensorData, TensorData> split(const TensorData& d, std::int64_t held_n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int64_t> perm = rng.sample_without_replacement(d.size(), d.size());
  std::vector<std::int64_t> held(perm.begin(), perm.begin() + held_n), rest(perm.begin() + held_n, perm.end());
  return {subset(d, rest), subset(d, held)};
}

std::string cifar_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir + "/data_batch_1.bin", ec)) return dir;
  if (fs::is_regular_file(dir + "/cifar-10-batches-bin/data_batch_1.bin", ec)) return dir + "/cifar-10-batches-bin";
  throw unreadable(dir + "/data_batch_1.bin",
                   "not found (expected the CIFAR-10 binary version: data_batch_1.bin .. "
                   "data_batch_5.bin and test_batch.bin, or a cifar-10-batches-bin folder)");
}

std::string labels_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".npy", ".txt", ".csv"}) {
    std::error_code ec;
    if (fs::is_regular_file(dir + "/" + stem + ext, ec)) return dir + "/" + stem + ext;
  }
  throw unreadable(dir + "/" + stem + ".npy", "not found (labels: .npy, .txt or .csv)");
}

void normalise(Splits& s) {
  const at::Tensor& x = s.train.x;
  at::Tensor mean, stdv;
  if (x.dim() == 4) {
    mean = x.mean({0, 2, 3});
    stdv = x.std(std::vector<std::int64_t>{0, 2, 3}, /*unbiased=*/true, /*keepdim=*/false);
  } else {
    mean = x.mean(0);
    stdv = x.std(std::vector<std::int64_t>{0}, /*unbiased=*/true, /*keepdim=*/false);
  }
  stdv = at::where(stdv > 1e-8, stdv, at::ones_like(stdv));
  const std::vector<std::int64_t> shape =
      x.dim() == 4 ? std::vector<std::int64_t>{1, -1, 1, 1} : std::vector<std::int64_t>{1, -1};
  for (TensorData* d : {&s.train, &s.val, &s.test})
    if (d->size() > 0) d->x = ((d->x - mean.view(shape)) / stdv.view(shape)).contiguous();
  s.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
  s.std.assign(stdv.data_ptr<float>(), stdv.data_ptr<float>() + stdv.numel());
}

}  // namespace

at::Tensor read_idx_images(const std::string& path) {
  IdxData d = read_idx(path, 3);
  if (d.shape[0] == 0) throw Error(ErrorKind::InvalidArgument, "'" + path + "' holds no images");
  at::Tensor t = at::empty({d.shape[0], 1, d.shape[1], d.shape[2]}, at::kByte);
  std::memcpy(t.data_ptr<std::uint8_t>(), d.bytes.data(), d.bytes.size());
  return t.to(at::kFloat).div_(255.0);
}

at::Tensor read_idx_labels(const std::string& path) {
  IdxData d = read_idx(path, 1);
  at::Tensor t = at::empty({d.shape[0]}, at::kByte);
  std::memcpy(t.data_ptr<std::uint8_t>(), d.bytes.data(), d.bytes.size());
  return t.to(at::kLong);
}

TensorData read_cifar10(const std::vector<std::string>& files) {
  std::vector<at::Tensor> xs, ys;
  for (const auto& f : files) {
    const auto raw = read_cifar_records(f);  // whole records, labels 0-9
    const auto n = static_cast<std::int64_t>(raw.size() / kCifarRecordBytes);
    at::Tensor x = at::empty({n, 3, 32, 32}, at::kByte), y = at::empty({n}, at::kLong);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint8_t* r = raw.data() + static_cast<std::size_t>(i) * kCifarRecordBytes;
      y[i] = static_cast<std::int64_t>(r[0]);
      std::memcpy(x.data_ptr<std::uint8_t>() + i * 3072, r + 1, 3072);
    }
    xs.push_back(x.to(at::kFloat).div_(255.0));
    ys.push_back(y);
  }
  TensorData d;
  d.x = at::cat(xs);
  d.y = at::cat(ys);
  d.classes = 10;
  d.class_names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return d;
}

TensorData read_features(const std::string& features, const std::string& labels) {
  const Matrix m = read_matrix(features);
  const std::vector<std::int64_t> raw = read_labels(labels);
  if (static_cast<Index>(raw.size()) != m.rows())
    throw Error(ErrorKind::InvalidArgument, "'" + labels + "' has " + std::to_string(raw.size()) + " labels for " +
                                                std::to_string(m.rows()) + " rows of '" + features + "'");
  TensorData d;
  d.x = at::from_blob(const_cast<float*>(m.view().data), {m.rows(), m.cols()}, at::kFloat).clone();
  std::map<std::int64_t, std::int64_t> ids;
  for (auto l : raw) ids.emplace(l, 0);
  std::int64_t next = 0;
  for (auto& [label, id] : ids) {
    id = next++;
    d.class_names.push_back(std::to_string(label));
  }
  std::vector<std::int64_t> y;
  for (auto l : raw) y.push_back(ids[l]);
  d.y = at::tensor(y, at::kLong);
  d.classes = static_cast<int>(ids.size());
  return d;
}

namespace {

// The train and test parts of a dataset (test undefined when it has none: load_splits holds one out).
using TrainTest = std::pair<TensorData, TensorData>;

// The four IDX files of an MNIST-style dataset in `dir`, with one class count for both parts.
TrainTest load_idx_dataset(const std::string& dir) {
  TrainTest d{load_idx_pair(dir, "train"), load_idx_pair(dir, "t10k")};
  d.second.classes = d.first.classes = std::max(d.first.classes, d.second.classes);
  return d;
}

TrainTest load_fashion_mnist(const DataOptions& o) {
  // Without --data-dir: Debian's package dataset-fashion-mnist.
  TrainTest d = load_idx_dataset(o.data_dir.empty() ? "/usr/share/datasets/fashion-mnist" : o.data_dir);
  d.first.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return d;
}

TrainTest load_mnist(const DataOptions& o) {
  if (o.data_dir.empty())
    throw invalid_argument(param("dataset", "mnist") + " needs " + param("data_dir") +
                           " (the four IDX files of MNIST)");
  return load_idx_dataset(o.data_dir);
}

TrainTest load_cifar10(const DataOptions& o) {
  if (o.data_dir.empty())
    throw invalid_argument(param("dataset", "cifar10") + " needs " + param("data_dir") +
                           " (the CIFAR-10 binary batches)");
  const std::string dir = cifar_dir(o.data_dir);
  std::vector<std::string> files;
  for (int b = 1; b <= 5; ++b) files.push_back(dir + "/data_batch_" + std::to_string(b) + ".bin");
  return {read_cifar10(files), read_cifar10({dir + "/test_batch.bin"})};
}

TrainTest load_folder(const DataOptions& o) {
  if (o.data_dir.empty())
    throw invalid_argument(param("dataset", "folder") + " needs " + param("data_dir") +
                           " (DIR/<class>/<image>, or DIR/train and DIR/test)");
  std::error_code ec;
  if (!(fs::is_directory(o.data_dir + "/train", ec) && fs::is_directory(o.data_dir + "/test", ec)))
    return {read_image_folder(o.data_dir, o.image_size), TensorData{}};  // the test share is held out
  TrainTest d{read_image_folder(o.data_dir + "/train", o.image_size),
              read_image_folder(o.data_dir + "/test", o.image_size)};
  if (d.second.class_names != d.first.class_names)
    throw Error(ErrorKind::InvalidArgument, "'" + o.data_dir + "': train/ and test/ have different class folders");
  return d;
}

TrainTest load_features(const DataOptions& o) {
  if (o.data_dir.empty())
    throw invalid_argument(param("dataset", "features") + " needs " + param("data_dir") +
                           " (train.npy and train_labels.npy, optionally test.*)");
  TrainTest d{read_features(o.data_dir + "/train.npy", labels_file(o.data_dir, "train_labels")), TensorData{}};
  std::error_code ec;
  if (!fs::is_regular_file(o.data_dir + "/test.npy", ec)) return d;
  d.second = read_features(o.data_dir + "/test.npy", labels_file(o.data_dir, "test_labels"));
  if (d.second.x.size(1) != d.first.x.size(1))
    throw Error(ErrorKind::InvalidArgument, "'" + o.data_dir + "/test.npy' has " + std::to_string(d.second.x.size(1)) +
                                                " columns, train.npy has " + std::to_string(d.first.x.size(1)));
  d.second.classes = d.first.classes = std::max(d.first.classes, d.second.classes);
  return d;
}

struct DatasetInfo {
  const char* name;
  TrainTest (*load)(const DataOptions&);
};

// --dataset's values, in the order --help lists them.
const std::vector<DatasetInfo>& dataset_table() {
  static const std::vector<DatasetInfo> table = {{"fashion-mnist", load_fashion_mnist},
                                                 {"mnist", load_mnist},
                                                 {"cifar10", load_cifar10},
                                                 {"folder", load_folder},
                                                 {"features", load_features}};
  return table;
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = table_names(dataset_table());
  return names;
}

Splits load_splits(const DataOptions& o) {
  if (!(o.val_fraction >= 0 && o.val_fraction <= 0.5))
    throw invalid_argument(param("val_fraction") + " must be in [0, 0.5]");
  const auto it = std::find_if(dataset_table().begin(), dataset_table().end(),
                               [&](const DatasetInfo& d) { return o.dataset == d.name; });
  if (it == dataset_table().end())
    throw invalid_argument("unknown dataset '" + o.dataset + "'; valid: " + name_list(dataset_names()));
  auto [train, test] = it->load(o);
  // Train and test files of one dataset must hold examples of one shape (a 1x1 IDX train file beside 28x28 test
  // images failed inside the first product, with LibTorch's trace).
  if (test.x.defined() && train.x.defined() && train.x.sizes().slice(1) != test.x.sizes().slice(1)) {
    const auto shape = [](const at::Tensor& t) {
      std::string s;
      for (std::int64_t v : t.sizes().slice(1)) s += (s.empty() ? "" : "x") + std::to_string(v);
      return s;
    };
    throw Error(ErrorKind::InputUnreadable, "'" + o.data_dir + "': its training examples are " + shape(train.x) +
                                                " but its test examples " + shape(test.x) + "; they must match");
  }
  if (!test.x.defined()) {  // no test part: hold one out
    const auto held = static_cast<std::int64_t>(o.test_fraction * static_cast<double>(train.size()));
    if (held < 1 || train.size() - held < 2)
      throw Error(ErrorKind::InvalidArgument, "'" + o.data_dir + "' has too few examples (" +
                                                  std::to_string(train.size()) + ") to hold out a test set");
    auto [rest, t] = split(train, held, o.seed + 1);
    train = rest;
    test = t;
  }
  if (train.classes < 2)
    throw Error(ErrorKind::InvalidArgument, "'" + o.data_dir + "': the training data has fewer than 2 classes");
  if (o.limit > 0 && o.limit < train.size()) {
    std::vector<std::int64_t> first(static_cast<std::size_t>(o.limit));
    for (std::int64_t i = 0; i < o.limit; ++i) first[static_cast<std::size_t>(i)] = i;
    train = subset(train, first);
  }
  const auto val_n = static_cast<std::int64_t>(o.val_fraction * static_cast<double>(train.size()));
  auto [rest, val] = split(train, val_n, o.seed);
  if (rest.size() < 2) throw Error(ErrorKind::InvalidArgument, "too few training examples after the validation split");
  Splits s;
  s.name = o.dataset;
  s.train = rest;
  s.val = val;
  s.test = test;
  normalise(s);
  return s;
}

}  // namespace cords::train
