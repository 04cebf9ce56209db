#include "runtime/backend/backend_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace mlf::runtime {

namespace {
std::atomic<TrainingBackend*> g_backend{nullptr};
std::mutex g_loading;  // stages running at once (-j) may all ask for the backend first
}  // namespace

bool training_backend_loaded() { return g_backend.load() != nullptr; }

TrainingBackend* load_training_backend(std::string& error) {
  if (TrainingBackend* loaded = g_backend.load()) return loaded;
  std::lock_guard lock(g_loading);
  if (TrainingBackend* loaded = g_backend.load()) return loaded;
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
  TrainingBackend* created = factory();
  if (!created) error = "the training backend failed to start";
  g_backend.store(created);
  return created;
}

}  // namespace mlf::runtime
