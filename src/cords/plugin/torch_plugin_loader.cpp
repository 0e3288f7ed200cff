// Executable side of the LibTorch plugin: finds libcords-torch.so, checks that it was built from the same sources,
// and forwards to its entry points. The module is never unloaded (objects it made may live until exit).
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "cords/core/error.h"
#include "cords/embed/torch_embedder.h"
#include "cords/plugin/torch_plugin.h"

namespace cords::plugin {
namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

namespace {

#ifdef CORDS_TORCH_PLUGIN_FILE
constexpr bool kBuilt = true;
constexpr const char* kFileName = CORDS_TORCH_PLUGIN_FILE;           // "libcords-torch.so"
constexpr const char* kBuildDir = CORDS_TORCH_PLUGIN_BUILD_DIR;      // where the build put it
constexpr const char* kInstallRel = CORDS_TORCH_PLUGIN_INSTALL_REL;  // from the installed executable's folder
#else
constexpr bool kBuilt = false;
constexpr const char* kFileName = "";
constexpr const char* kBuildDir = "";
constexpr const char* kInstallRel = "";
#endif

struct Loaded {
  std::string path;
  cords::embed::Embedder* (*embedder)(const cords::embed::TorchEmbedderOptions*) = nullptr;
  int (*train)(int, char**) = nullptr;
};

std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("CORDS_TORCH_PLUGIN"); env && *env) {
    out.emplace_back(env);  // the user's choice is the only one tried
    return out;
  }
  const fs::path dir = executable_dir();
  if (!dir.empty()) {
    out.push_back(dir / kFileName);
    out.push_back(dir / kInstallRel / kFileName);
  }
  out.push_back(fs::path(kBuildDir) / kFileName);
  return out;
}

Loaded load() {
  if (!kBuilt)
    throw invalid_argument(
        "this build has no LibTorch, so no CNN features and no 'train' command "
        "(rebuild with libtorch-dev installed)");
  std::string tried;
  for (const fs::path& p : candidates()) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      tried += (tried.empty() ? "" : ", ") + p.string();
      continue;
    }
    // RTLD_LOCAL: the module's symbols (its own copies of the project's static libraries) stay its own.
    void* h = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) {
      const char* why = ::dlerror();
      throw Error(ErrorKind::Internal,
                  "cannot load the LibTorch plugin '" + p.string() + "': " + (why ? why : "unknown"));
    }
    auto identity = reinterpret_cast<const char* (*)()>(::dlsym(h, "cords_torch_plugin_identity"));
    Loaded l;
    l.path = p.string();
    l.embedder = reinterpret_cast<decltype(l.embedder)>(::dlsym(h, "cords_torch_plugin_embedder"));
    l.train = reinterpret_cast<decltype(l.train)>(::dlsym(h, "cords_torch_plugin_train"));
    if (!identity || !l.embedder || !l.train)
      throw Error(ErrorKind::Internal, "'" + p.string() + "' is not a cords-summarize LibTorch plugin");
    if (std::string(identity()) != plugin_identity())
      throw Error(ErrorKind::Internal, "the LibTorch plugin '" + p.string() + "' was built from other sources (" +
                                           identity() + ", this program is " + plugin_identity() + "): rebuild both");
    return l;
  }
  throw Error(ErrorKind::Internal, std::string("the LibTorch plugin ") + kFileName + " was not found (tried " + tried +
                                       "; set CORDS_TORCH_PLUGIN to its path)");
}

const Loaded& loaded() {
  static std::mutex m;
  static Loaded l;
  std::lock_guard<std::mutex> lock(m);
  if (l.path.empty()) l = load();  // a throw leaves it unloaded: the next call tries again
  return l;
}

}  // namespace

bool torch_plugin_built() {
  return kBuilt;
}

std::unique_ptr<embed::Embedder> torch_embedder(const embed::TorchEmbedderOptions& opts) {
  return std::unique_ptr<embed::Embedder>(loaded().embedder(&opts));
}

int run_train_command(int argc, char** argv) {
  return loaded().train(argc, argv);
}

}  // namespace cords::plugin
