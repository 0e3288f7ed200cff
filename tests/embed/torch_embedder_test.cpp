// The TorchScript embedder on tiny models made by make_test_models.py (fixed random weights, not the default
// model), and its errors.
#include "cords/embed/torch_embedder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../support/error_matchers.h"
#include "../support/test_models.h"
#include "cords/core/error.h"
#include "cords/plugin/embedder_factory.h"

namespace cords::embed {
namespace {
namespace fs = std::filesystem;

const fs::path& models() {
  return test::test_models();
}

Image pattern(int w, int h, int seed) {
  Image img;
  img.width = w;
  img.height = h;
  img.data.resize(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < img.data.size(); ++i)
    img.data[i] = static_cast<std::uint8_t>((i * (seed + 3) + seed * 71) % 251);
  return img;
}

std::unique_ptr<Embedder> load(const std::string& name) {
  TorchEmbedderOptions o;
  o.model_path = (models() / name).string();
  o.device = "cpu";
  o.batch = 4;
  return torch_embedder(o);
}

TEST(TorchEmbedder, EmbedsFramesAsUnitRowsWhateverTheBatching) {
  auto e = load("tiny.pt");
  EXPECT_EQ(e->dim(), 16);
  std::vector<Image> imgs;
  for (int s = 0; s < 7; ++s) imgs.push_back(pattern(320 + 10 * s, 180, s));
  std::vector<const Image*> ptrs;
  for (auto& i : imgs) ptrs.push_back(&i);
  std::vector<float> all(7 * 16), one(16);
  e->embed(ptrs, all.data());  // batches of 4 and 3
  for (int s = 0; s < 7; ++s) {
    double norm = 0;
    for (int j = 0; j < 16; ++j) norm += all[s * 16 + j] * all[s * 16 + j];
    EXPECT_NEAR(norm, 1.0, 1e-5);
    e->embed({ptrs[static_cast<std::size_t>(s)]}, one.data());
    for (int j = 0; j < 16; ++j)
      EXPECT_NEAR(one[static_cast<std::size_t>(j)], all[static_cast<std::size_t>(s * 16 + j)], 1e-5);
  }
  EXPECT_GT(std::fabs(all[0] - all[16]) + std::fabs(all[1] - all[17]), 1e-4) << "different frames, different features";
}

TEST(TorchEmbedder, PoolsFeatureMapsAndReadsTheSpecBesideTheModel) {
  EXPECT_EQ(load("fmap.pt")->dim(), 16);
  const CnnSpec spec = read_cnn_spec((models() / "tiny64.pt").string());
  EXPECT_EQ(spec.input_size, 64);
  EXPECT_FALSE(spec.center_crop);
  EXPECT_EQ(spec.mean[0], 0.5);
  auto e = load("tiny64.pt");
  EXPECT_EQ(e->name(), "cnn:tiny64");
  const Image img = pattern(100, 50, 1);
  std::vector<float> f(16);
  e->embed({&img}, f.data());
  const CnnSpec def = read_cnn_spec((models() / "tiny.pt").string());
  EXPECT_EQ(def.input_size, 224);  // no spec file: torchvision's convention
}

TEST(TorchEmbedder, UnusableModelsAreModelErrorsNamingTheFileAndTheProblem) {
  struct Case {
    const char* file;
    const char* why;
  };
  for (const Case& c : {Case{"missing.pt", "no such file"}, Case{"text.pt", "not a TorchScript file"},
                        Case{"flat.pt", "does not map a N x 3 x 224 x 224"}, Case{"pair.pt", "not a tensor"}}) {
    try {
      load(c.file);
      FAIL() << c.file;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::ModelUnusable) << c.file;
      EXPECT_NE(std::string(e.what()).find(c.file), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.why), std::string::npos) << e.what();
    }
  }
  std::ofstream(models() / "badspec.pt.json") << "{ not json";
  fs::copy_file(models() / "tiny.pt", models() / "badspec.pt", fs::copy_options::overwrite_existing);
  try {
    load("badspec.pt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::ModelUnusable);
    EXPECT_NE(std::string(e.what()).find("malformed model spec"), std::string::npos) << e.what();
  }
}

TEST(EmbedderFactory, NamesAndArguments) {
  EXPECT_EQ(make_embedder({Features::Histogram, "", "auto"})->name(), "histogram");
  ::setenv("CORDS_MODEL", "/nonexistent/model.pt", 1);  // no default model: cnn needs --model, auto falls back
  EXPECT_CORDS_ERROR(make_embedder({Features::Cnn, "", "auto"}), InvalidArgument);
  EXPECT_EQ(make_embedder({Features::Auto, "", "auto"})->name(), "histogram");
  ::unsetenv("CORDS_MODEL");
  EXPECT_EQ(make_embedder({Features::Auto, "", "cpu"})->name(), "cnn:mobilenet_v2_imagenet_b10");  // the bundled model
  EXPECT_CORDS_ERROR(parse_features("sift"), InvalidArgument);
  EXPECT_CORDS_ERROR(make_embedder({Features::Cnn, (models() / "tiny.pt").string(), "tpu"}), InvalidArgument);
  if (!std::getenv("CORDS_TEST_DEVICE")) {
    try {
      make_embedder({Features::Cnn, (models() / "tiny.pt").string(), "cuda"});
    } catch (const Error& e) {  // on a machine without CUDA: a clear argument error
      EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    }
  }
}

}  // namespace
}  // namespace cords::embed

// ---- the bundled default model -----------------------------------------------------------------------------------

#include <torch/cuda.h>
#include <torch/script.h>

#include <nlohmann/json.hpp>

namespace cords::embed {
namespace {

// Guards the conversion (models/convert/convert.sh): the TorchScript model, run by LibTorch from C++, must give
// TensorFlow.js's embeddings of the original nsfwjs network for two stored frames of the sample video (224 x 224
// RGB, pixels / 255). Tolerance 1e-4 on values up to about 3; conversion measured 2.9e-6.
TEST(DefaultModel, MatchesTensorFlowJsOnStoredFrames) {
  const std::string data = std::string(CORDS_SOURCE_DIR) + "/tests/data/";
  const std::string model = default_model_path();
  ASSERT_FALSE(model.empty()) << "models/mobilenet_v2_imagenet_b10.pt not found";
  std::ifstream ref_in(data + "default_model_reference.json");
  const auto ref = nlohmann::json::parse(ref_in);
  std::ifstream px_in(data + "default_model_frames.rgb", std::ios::binary);
  std::vector<std::uint8_t> px((std::istreambuf_iterator<char>(px_in)), std::istreambuf_iterator<char>());
  const auto frames = ref["embeddings"].size();
  ASSERT_EQ(px.size(), frames * 224 * 224 * 3);
  torch::jit::Module m = torch::jit::load(model);
  m.eval();
  const torch::Tensor x = torch::from_blob(px.data(), {static_cast<long>(frames), 224, 224, 3}, torch::kUInt8)
                              .permute({0, 3, 1, 2})
                              .to(torch::kFloat)
                              .div(255.0);
  c10::InferenceMode guard;
  const torch::Tensor y = m.forward({x}).toTensor();
  ASSERT_EQ(y.size(1), 96);
  double worst = 0;
  for (std::size_t f = 0; f < frames; ++f)
    for (int j = 0; j < 96; ++j)
      worst = std::max(worst, std::fabs(y[static_cast<long>(f)][j].item<double>() -
                                        ref["embeddings"][f][static_cast<std::size_t>(j)].get<double>()));
  EXPECT_LT(worst, 1e-4);
}

// The default model through the embedder on CUDA (fp16 under autocast) against the CPU (float32, the oracle), on
// the stored real frames. Tolerance: cosine similarity of each frame's two unit embeddings >= 0.999 (fp16 carries
// about 3 decimal digits through 10 blocks). Skipped without CUDA; registered with the gpu label as well.
TEST(TorchEmbedderOnCuda, DefaultModelMatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const std::string data = std::string(CORDS_SOURCE_DIR) + "/tests/data/";
  std::ifstream px_in(data + "default_model_frames.rgb", std::ios::binary);
  std::vector<std::uint8_t> px((std::istreambuf_iterator<char>(px_in)), std::istreambuf_iterator<char>());
  const std::size_t frame = 224 * 224 * 3, frames = px.size() / frame;
  ASSERT_GE(frames, 2u);
  std::vector<Image> imgs(frames);
  std::vector<const Image*> ptrs;
  for (std::size_t f = 0; f < frames; ++f) {
    imgs[f].width = imgs[f].height = 224;
    imgs[f].data.assign(px.begin() + static_cast<long>(f * frame), px.begin() + static_cast<long>((f + 1) * frame));
    ptrs.push_back(&imgs[f]);
  }
  auto run = [&](const std::string& device) {
    TorchEmbedderOptions o;
    o.model_path = default_model_path();
    o.device = device;
    auto e = torch_embedder(o);
    std::vector<float> out(frames * static_cast<std::size_t>(e->dim()));
    e->embed(ptrs, out.data());
    return std::make_pair(e->dim(), out);
  };
  const auto [d, cpu] = run("cpu");
  const auto [dg, gpu] = run("cuda");
  ASSERT_EQ(d, dg);
  for (std::size_t f = 0; f < frames; ++f) {
    double dot = 0;
    for (int j = 0; j < d; ++j) dot += double(cpu[f * d + j]) * gpu[f * d + j];
    EXPECT_GT(dot, 0.999) << "frame " << f;
  }
}

}  // namespace
}  // namespace cords::embed
