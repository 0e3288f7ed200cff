// CNN embedding throughput (frames/s) of a TorchScript model, at a batch size, on a device. Prints one JSON line
// with two figures: through the TorchEmbedder (preprocessing of 455 x 256 RGB frames included), and the model's
// forward pass alone on ready-made S x S batches (fp16 on CUDA), the same work bench/torch_embed_reference.py times
// in Python PyTorch.
//   embed_bench [--model PATH (default: the bundled model)] [--device cpu] [--batch 16] [--frames 256] [--threads 2]
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cords/core/blas_cpu.h"
#include "cords/core/rng.h"
#include "cords/embed/torch_autocast.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/embedder_factory.h"

using namespace cords;

int main(int argc, char** argv) {
  cords::tune_openblas_core();  // see cords/core/blas_cpu.h
  std::string model = embed::default_model_path(), device = "cpu";
  int batch = 16, frames = 256, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      model = v;
    else if (k == "--device")
      device = v;
    else if (k == "--batch")
      batch = std::stoi(v);
    else if (k == "--frames")
      frames = std::stoi(v);
    else if (k == "--threads")
      threads = std::stoi(v);
  }
  at::set_num_threads(threads);
  embed::TorchEmbedderOptions o{model, device, batch};
  auto e = embed::torch_embedder(o);
  // Frames as the decoder hands them over: 455 x 256 RGB.
  Rng rng(1);
  std::vector<Image> imgs(static_cast<std::size_t>(batch));
  for (auto& im : imgs) {
    im.width = 455;
    im.height = 256;
    im.data.resize(455 * 256 * 3);
    for (auto& b : im.data) b = static_cast<std::uint8_t>(rng.uniform(256));
  }
  std::vector<const Image*> ptrs;
  for (auto& im : imgs) ptrs.push_back(&im);
  std::vector<float> out(static_cast<std::size_t>(batch * e->dim()));
  e->embed(ptrs, out.data());  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  int done = 0;
  while (done < frames) {
    e->embed(ptrs, out.data());
    done += batch;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The forward pass alone, as Python would run it.
  const c10::Device dev = device == "cpu" ? c10::Device(c10::kCPU) : c10::Device(device);
  const bool half = dev.is_cuda();
  torch::jit::Module m = torch::jit::load(model, dev);
  m.eval();
  if (half) m.to(torch::kHalf);
  const int side = embed::read_cnn_spec(model).input_size;
  const torch::Tensor x = torch::rand({batch, 3, side, side})
                              .to(dev, half ? torch::kHalf : torch::kFloat)
                              .contiguous(at::MemoryFormat::ChannelsLast);
  double fs = 0;
  {
    c10::InferenceMode guard;
    const embed::AutocastCuda autocast(half);  // as the embedder runs it
    auto sync = [&] {
      if (dev.is_cuda()) torch::cuda::synchronize();
    };
    for (int w = 0; w < 3; ++w) m.forward({x});
    sync();
    const auto f0 = std::chrono::steady_clock::now();
    int n = 0;
    while (n < frames) {
      m.forward({x});
      n += batch;
    }
    sync();
    fs = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count();
  }
  std::printf(
      "{\"model\": \"%s\", \"file\": \"%s\", \"device\": \"%s\", \"batch\": %d, \"threads\": %d, \"dim\": %d, "
      "\"frames_per_s\": %.1f, \"forward_only_frames_per_s\": %.1f}\n",
      e->name().c_str(), model.c_str(), device.c_str(), batch, threads, e->dim(), done / s, fs);
  return 0;
}
