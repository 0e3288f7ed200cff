#include "cords/plugin/embedder_factory.h"

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <vector>

#include "cords/core/error.h"
#include "cords/core/names.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/torch_plugin.h"

namespace cords::embed {

std::string default_model_path() {
#ifdef CORDS_DEFAULT_MODEL_FILE
  if (!plugin::torch_plugin_built()) return "";
  namespace fs = std::filesystem;
  // $CORDS_MODEL is the only one tried when set; else the installed model (<prefix>/share/cords-summarize/models
  // beside <prefix>/bin), then the source tree's.
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("CORDS_MODEL"); env && *env) {
    candidates.emplace_back(env);
  } else {
    if (const fs::path dir = plugin::executable_dir(); !dir.empty())
      candidates.push_back(dir / CORDS_MODEL_INSTALL_REL / CORDS_DEFAULT_MODEL_FILE);
    candidates.push_back(fs::path(CORDS_MODEL_SOURCE_DIR) / CORDS_DEFAULT_MODEL_FILE);
  }
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
#endif
  return "";
}

namespace {

// The CNN `cfg` asks for (its options), or nothing for the histogram. Throws as make_embedder.
std::optional<TorchEmbedderOptions> cnn_options(const EmbedderConfig& cfg) {
  if (cfg.features == Features::Histogram) return std::nullopt;
  if (cfg.features == Features::Auto &&
      (!plugin::torch_plugin_built() || (cfg.model.empty() && default_model_path().empty())))
    return std::nullopt;
  if (!plugin::torch_plugin_built())
    throw invalid_argument(param("features", "cnn") +
                           " needs LibTorch, and this build has none (rebuild with libtorch-dev installed)");
  const std::string model = cfg.model.empty() ? default_model_path() : cfg.model;
  if (model.empty()) {
    const char* env = std::getenv("CORDS_MODEL");
    throw invalid_argument(env && *env
                               ? param("features", "cnn") + ": CORDS_MODEL='" + std::string(env) + "' is not a file"
                               : param("features", "cnn") + " needs " + param("model", "PATH") +
                                     ": the default model was not found (set CORDS_MODEL)");
  }
  TorchEmbedderOptions o;
  o.model_path = model;
  o.device = cfg.device;
  return o;
}

#ifdef CORDS_DEFAULT_MODEL_FILE
// A CNN loaded on a thread of its own (LibTorch's start-up and the model's load and probe: about 1 s on two cores)
// while the caller goes on decoding; the frame size it wants comes from the model's spec at once. name(), dim() and
// embed() wait for the load, and throw its error.
class BackgroundEmbedder final : public Embedder {
 public:
  BackgroundEmbedder(const TorchEmbedderOptions& o, int width, int height)
      : width_(width), height_(height), pending_(std::async(std::launch::async, [o] {
          return plugin::torch_embedder(o);  // loads LibTorch (libcords-torch.so) on first use
        })) {}
  std::string name() const override { return ready().name(); }
  int dim() const override { return ready().dim(); }
  int input_width() const override { return width_; }
  int input_height() const override { return height_; }
  void embed(const std::vector<const Image*>& images, float* out) override { ready().embed(images, out); }

 private:
  Embedder& ready() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_) std::rethrow_exception(error_);
    if (!loaded_) {
      try {
        loaded_ = pending_.get();
      } catch (...) {
        error_ = std::current_exception();
        throw;
      }
      if (loaded_->input_width() != width_ || loaded_->input_height() != height_)
        throw Error(ErrorKind::Internal, "the CNN wants other frames than its spec says");
    }
    return *loaded_;
  }

  int width_, height_;
  mutable std::future<std::unique_ptr<Embedder>> pending_;
  mutable std::unique_ptr<Embedder> loaded_;
  mutable std::exception_ptr error_;
  mutable std::mutex mutex_;
};
#endif

}  // namespace

std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg) {
  const auto cnn = cnn_options(cfg);
  return cnn ? plugin::torch_embedder(*cnn) : histogram_embedder();
}

std::unique_ptr<Embedder> make_embedder_in_background(const EmbedderConfig& cfg) {
  const auto cnn = cnn_options(cfg);
  if (!cnn) return histogram_embedder();
#ifdef CORDS_DEFAULT_MODEL_FILE  // a build with the plugin (cnn_options throws without it)
  return std::make_unique<BackgroundEmbedder>(*cnn, 0, cnn_frame_height(read_cnn_spec(cnn->model_path).input_size));
#else
  return plugin::torch_embedder(*cnn);
#endif
}

const char* to_string(Features f) {
  return name_in(kFeatures, f);
}

Features parse_features(const std::string& name) {
  if (const auto f = value_in(kFeatures, name)) return *f;
  throw invalid_argument("unknown " + param("features") + " '" + name + "'; available: " + embedder_names());
}

std::string embedder_names() {
  return plugin::torch_plugin_built() ? "auto, histogram, cnn" : "auto, histogram";
}

}  // namespace cords::embed
