#pragma once
// The LibTorch plugin. Everything that needs LibTorch at run time - the CNN embedder and `cords-summarize train` -
// is built into a separate shared module (libcords-torch.so) that the executable loads with dlopen only when a
// command needs it. Loading LibTorch costs about 0.6-0.9 s of start-up on the build machine (its static
// initialisers register thousands of operators), which is more than a whole --fast summary of a one-minute clip;
// histogram summaries, `select` and `--help` now start without it.
//
// Search order for the module: $CORDS_TORCH_PLUGIN (a file), the executable's own folder, <prefix>/lib/cords-summarize
// beside an installed executable, then the build tree it was built in.
#include <filesystem>
#include <memory>
#include <string>

#include "cords/embed/embedder.h"

namespace cords::embed {
struct TorchEmbedderOptions;
}

namespace cords::plugin {

/// True when this build made the plugin (LibTorch was found at configure time).
bool torch_plugin_built();

/// The folder of the running executable (from /proc/self/exe), or empty when it cannot be told.
std::filesystem::path executable_dir();

/// The CNN embedder, from the plugin (loaded on first use). Throws what torch_embedder() throws, and
/// Error{InvalidArgument} when this build has no LibTorch, Error{Internal} naming the file when the plugin cannot be
/// loaded or was built from other sources.
std::unique_ptr<embed::Embedder> torch_embedder(const embed::TorchEmbedderOptions& opts);

/// `cords-summarize train` (argv[0] is "train"), from the plugin.
int run_train_command(int argc, char** argv);

/// The identity string both sides compare before any call: plugin interface version, project version and compiler.
/// Defined inline so that the executable and the module each compile their own copy.
inline const char* plugin_identity() {
  return "cords-torch-plugin/1 cords-summarize/" CORDS_VERSION_STRING " " __VERSION__;
}

}  // namespace cords::plugin

// The module's entry points (extern "C" so that dlsym finds them by these names).
extern "C" {
const char* cords_torch_plugin_identity();
cords::embed::Embedder* cords_torch_plugin_embedder(const cords::embed::TorchEmbedderOptions* opts);
int cords_torch_plugin_train(int argc, char** argv);
}
