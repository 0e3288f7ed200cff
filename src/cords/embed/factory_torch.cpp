#include "cords/core/error.h"
#include "cords/embed/factory.h"
#include "cords/embed/torch_embedder.h"

namespace cords::embed {

std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg) {
  if (cfg.features == "histogram") return histogram_embedder();
  if (cfg.features == "cnn") {
    if (cfg.model.empty())
      throw invalid_argument("--features cnn needs --model PATH (a TorchScript image model; no default model is bundled yet)");
    TorchEmbedderOptions o;
    o.model_path = cfg.model;
    o.device = cfg.device;
    return torch_embedder(o);
  }
  throw invalid_argument("unknown --features '" + cfg.features + "'; available: " + embedder_names());
}

std::string embedder_names() { return "histogram, cnn"; }

}  // namespace cords::embed
