#include "runtime/fuse/fuse_backend_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace mlf::runtime {
namespace {

std::mutex g_mutex;
KernelCompiler* g_compiler = nullptr;

std::vector<std::string> candidates() {
  if (const char* path = std::getenv("MLF_FUSE_BACKEND"); path && *path) return {path};
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return {(exe.parent_path() / "mlf_fuse_backend.so").string(),
          (exe.parent_path().parent_path() / "mlf_fuse_backend.so").string()};
}

}  // namespace

bool kernel_compiler_loaded() {
  std::lock_guard<std::mutex> hold(g_mutex);
  return g_compiler != nullptr;
}

KernelCompiler* load_kernel_compiler(std::string& error) {
  std::lock_guard<std::mutex> hold(g_mutex);
  if (g_compiler) return g_compiler;
  const std::vector<std::string> paths = candidates();
  void* handle = nullptr;
  std::string reason;
  for (const std::string& path : paths) {
    if (!std::filesystem::exists(path) && paths.size() > 1) continue;
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) break;
    const char* why = dlerror();
    reason = "`" + path + "`: " + (why ? why : "unknown");
  }
  if (!handle) {
    error = "cannot load the kernel compiler " +
            (reason.empty() ? "`" + paths.front() + "` (not found)" : reason) +
            " (build the `mlf_fuse_backend` target; it needs llvm-dev)";
    return nullptr;
  }
  using Factory = KernelCompiler* (*)();
  auto factory = reinterpret_cast<Factory>(dlsym(handle, "mlf_create_kernel_compiler"));
  if (!factory) {
    error = "the kernel compiler module has no mlf_create_kernel_compiler";
    return nullptr;
  }
  g_compiler = factory();
  if (!g_compiler) error = "the kernel compiler failed to start";
  return g_compiler;
}

}  // namespace mlf::runtime
