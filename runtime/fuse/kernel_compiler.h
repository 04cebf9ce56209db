// The boundary between the runtime and the code generator module (mlf_fuse_backend.so,
// built from runtime/fuse/llvm/), which is the only part of mlf that links LLVM.
//
// Takes: a LoopProgram (loop_ir.h).
// Promises: KernelCompiler::compile() returns the bytes of a small position-independent
// shared object whose one exported function, kKernelSymbol, has the signature KernelFn and
// computes, for one sample, what the program describes: it reads `source` (the sample's
// input elements), the sample's parameters (`floats`, `ints`, `noise`: sample_params.h),
// writes `destination` (the sample's output elements) and uses `scratch`
// (program.scratch_bytes, per thread) between segments. The object needs nothing but the C
// library, so loading it (kernel_cache.h) maps no LLVM. Floating point: IEEE f32/f64, no
// contraction, no fast-math flags, in vector body and scalar tail alike.
// Does not: cache (kernel_cache.h) or draw random numbers.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/fuse/loop_ir.h"

namespace mlf::runtime {

inline constexpr const char* kKernelSymbol = "mlf_fused_sample";
// Bump when the generated code of any program changes: it is part of every kernel's hash.
inline constexpr const char* kCodegenVersion = "mlf-fuse-codegen-1";

using KernelFn = void (*)(const std::uint8_t* source, std::uint8_t* destination,
                          const float* floats, const std::int64_t* ints, const float* noise,
                          std::uint8_t* scratch);

struct KernelCompileStats {
  double codegen_seconds = 0.0;  // IR construction, optimisation and machine code
  double link_seconds = 0.0;     // the object linked into a shared object
};

class KernelCompiler {
 public:
  virtual ~KernelCompiler() = default;
  // false with `error` set when the code cannot be generated or linked.
  virtual bool compile(const LoopProgram& program, std::string& shared_object,
                       KernelCompileStats& stats, std::string& error) = 0;
  // The LLVM IR after optimisation of the last compile (for docs and debugging).
  virtual std::string last_ir() const = 0;
};

}  // namespace mlf::runtime

// The module's entry point (extern "C", looked up with dlsym).
extern "C" mlf::runtime::KernelCompiler* mlf_create_kernel_compiler();
