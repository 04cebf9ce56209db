#include "runtime/backend/backend_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace mlf::runtime {

namespace {
TrainingBackend* g_backend = nullptr;
}

bool training_backend_loaded() { return g_backend != nullptr; }

TrainingBackend* load_training_backend(std::string& error) {
  if (g_backend) return g_backend;
  std::string path;
  if (const char* override_path = std::getenv("MLF_TORCH_BACKEND")) {
    path = override_path;
  } else {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    path = (exe.parent_path() / "mlf_torch_backend.so").string();
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = dlerror();
    error = "cannot load the training backend `" + path + "`: " + (reason ? reason : "unknown") +
            " (build the `mlf_torch_backend` target; it needs libtorch-dev)";
    return nullptr;
  }
  using Factory = TrainingBackend* (*)();
  auto factory = reinterpret_cast<Factory>(dlsym(handle, "mlf_create_training_backend"));
  if (!factory) {
    error = "`" + path + "` is not an mlf training backend (no mlf_create_training_backend)";
    return nullptr;
  }
  g_backend = factory();
  if (!g_backend) error = "the training backend failed to start";
  return g_backend;
}

}  // namespace mlf::runtime
