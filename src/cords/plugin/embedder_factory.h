#pragma once
// Embedders by name, for the summarizer, the trainer and the CLI. The CNN comes from the LibTorch plugin
// (cords/plugin/torch_plugin.h), loaded only when a CNN is asked for: so the factory lives here, above embed/
// (which it builds on), not in it (embed/ never includes plugin/: docs/architecture.md, scripts/check-layers.sh).
#include <memory>
#include <string>

#include "cords/core/names.h"
#include "cords/embed/embedder.h"

namespace cords::embed {

/// Frame features: the CNN with the default model when present, else histograms (Auto); the CNN; colour histograms.
enum class Features { Auto, Cnn, Histogram };
inline constexpr Named<Features> kFeatures[] = {
    {Features::Auto, "auto"}, {Features::Cnn, "cnn"}, {Features::Histogram, "histogram"}};
/// "auto", "cnn", "histogram".
const char* to_string(Features f);
/// The inverse; throws Error{InvalidArgument} naming the parameter "features" and the valid names.
Features parse_features(const std::string& name);

struct EmbedderConfig {
  Features features = Features::Auto;
  std::string model;            ///< TorchScript file for cnn; empty = the default model
  std::string device = "auto";  ///< auto | cpu | cuda[:N]
};

/// Throws Error{InvalidArgument} for an unknown name, cnn without a model, or cnn in a build without LibTorch;
/// Error{ModelUnusable} for a bad model.
std::unique_ptr<Embedder> make_embedder(const EmbedderConfig& cfg);

/// The same embedder, with a CNN loaded on a thread of its own while the caller goes on (e.g. decoding): its
/// input_width()/input_height() are known at once (from the model's spec), and name(), dim() and embed() wait for the
/// load and throw its errors (Error{ModelUnusable} for a bad model), so that LibTorch's start-up overlaps the work.
/// Errors in the options and a malformed spec are thrown here, as make_embedder's.
std::unique_ptr<Embedder> make_embedder_in_background(const EmbedderConfig& cfg);

/// "auto, histogram, cnn" or "auto, histogram".
std::string embedder_names();

/// The default model: $CORDS_MODEL when set, else the installed one (<prefix>/share/cords-summarize/models, found
/// from the executable's folder), else the one in the source tree's models/ (compiled in); the first that is a file,
/// when this build has LibTorch; "" otherwise.
std::string default_model_path();

}  // namespace cords::embed
