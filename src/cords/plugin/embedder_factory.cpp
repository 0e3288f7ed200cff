#include "cords/plugin/embedder_factory.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "cords/core/error.h"
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

std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg) {
  if (cfg.features == "histogram") return histogram_embedder();
  if (cfg.features == "auto" && (!plugin::torch_plugin_built() || (cfg.model.empty() && default_model_path().empty())))
    return histogram_embedder();
  if (cfg.features == "cnn" || cfg.features == "auto") {
    if (!plugin::torch_plugin_built())
      throw invalid_argument(
          "--features cnn needs LibTorch, and this build has none (rebuild with libtorch-dev installed)");
    const std::string model = cfg.model.empty() ? default_model_path() : cfg.model;
    if (model.empty()) {
      const char* env = std::getenv("CORDS_MODEL");
      throw invalid_argument(
          env && *env ? "--features cnn: CORDS_MODEL='" + std::string(env) + "' is not a file"
                      : "--features cnn needs --model PATH: the default model was not found (set CORDS_MODEL)");
    }
    TorchEmbedderOptions o;
    o.model_path = model;
    o.device = cfg.device;
    return plugin::torch_embedder(o);  // loads LibTorch (libcords-torch.so) on first use
  }
  throw invalid_argument("unknown --features '" + cfg.features + "'; available: " + embedder_names());
}

std::string embedder_names() {
  return plugin::torch_plugin_built() ? "auto, histogram, cnn" : "auto, histogram";
}

}  // namespace cords::embed
