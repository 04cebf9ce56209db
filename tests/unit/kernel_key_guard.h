// Points the kernel key (runtime/fuse/kernel_key.h) at a folder of the test's own through
// XDG_STATE_HOME, so tests neither use nor create the user's key; forgets the process's
// key and kernels on the way in and out, and restores the environment.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/fuse/kernel_cache.h"
#include "runtime/fuse/kernel_key.h"

namespace mlf::test_support {

class KernelKeyGuard {
 public:
  explicit KernelKeyGuard(const std::filesystem::path& state_home) {
    if (const char* old = std::getenv("XDG_STATE_HOME")) saved_ = old;
    use(state_home);
  }
  ~KernelKeyGuard() {
    if (saved_) ::setenv("XDG_STATE_HOME", saved_->c_str(), 1);
    else ::unsetenv("XDG_STATE_HOME");
    forget();
  }
  KernelKeyGuard(const KernelKeyGuard&) = delete;
  KernelKeyGuard& operator=(const KernelKeyGuard&) = delete;

  // Another user's key, as it were: the next kernel lookup reads the key from here.
  void use(const std::filesystem::path& state_home) {
    ::setenv("XDG_STATE_HOME", state_home.c_str(), 1);
    forget();
  }
  static void forget() {
    runtime::forget_process_kernel_key();
    runtime::forget_loaded_kernels();
  }

 private:
  std::optional<std::string> saved_;
};

}  // namespace mlf::test_support
