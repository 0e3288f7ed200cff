// Module side of the LibTorch plugin (libcords-torch.so): the entry points the executable looks up with dlsym.
// Errors travel as C++ exceptions (both sides use the same libstdc++, and cords::Error is matched by name).
#ifdef CORDS_HAVE_TRAIN
#include "cli/train_command.h"
#endif
#include "cords/core/error.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/torch_plugin.h"

extern "C" {

__attribute__((visibility("default"))) const char* cords_torch_plugin_identity() {
  return cords::plugin::plugin_identity();
}

__attribute__((visibility("default"))) cords::embed::Embedder* cords_torch_plugin_embedder(
    const cords::embed::TorchEmbedderOptions* opts) {
  return cords::embed::torch_embedder(*opts).release();
}

__attribute__((visibility("default"))) int cords_torch_plugin_train(int argc, char** argv) {
#ifdef CORDS_HAVE_TRAIN
  return cords::cli::run_train_command(argc, argv);
#else
  (void)argc;
  (void)argv;
  throw cords::invalid_argument("this build has no 'train' command (it needs the CLI and Boost.Program_options)");
#endif
}
}
