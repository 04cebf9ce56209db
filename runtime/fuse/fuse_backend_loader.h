// Loads the code generator module (mlf_fuse_backend.so, the only part of mlf that links
// LLVM) on first use.
//
// Promises: nothing is loaded until load_kernel_compiler() is called, which happens only
// when a kernel is not in the kernel cache, so a run whose kernels are all cached never maps
// LLVM. The module is looked up at MLF_FUSE_BACKEND when set, else beside the running
// executable or in its parent folder (where the test binaries find it); a missing or broken
// module is an error message, not a crash. Thread-safe.
#pragma once

#include <string>

#include "runtime/fuse/kernel_compiler.h"

namespace mlf::runtime {

// nullptr with `error` set when the module cannot be loaded.
KernelCompiler* load_kernel_compiler(std::string& error);
bool kernel_compiler_loaded();

}  // namespace mlf::runtime
