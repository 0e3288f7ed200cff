#include "cords/core/error.h"
#include "cords/embed/factory.h"

namespace cords::embed {

std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg) {
  if (cfg.features == "histogram" || cfg.features == "auto") return histogram_embedder();
  if (cfg.features == "cnn")
    throw invalid_argument("--features cnn needs LibTorch, and this build has none (rebuild with libtorch-dev installed)");
  throw invalid_argument("unknown --features '" + cfg.features + "'; available: " + embedder_names());
}

std::string embedder_names() { return "auto, histogram"; }

std::string default_model_path() { return ""; }

}  // namespace cords::embed
