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

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

#include "runtime/fuse/loop_ir.h"

namespace mlf::runtime {

inline constexpr const char* kKernelSymbol = "mlf_fused_sample";
// Bump when the generated code of any program changes: it is part of every kernel's hash.
inline constexpr const char* kCodegenVersion = "mlf-fuse-codegen-5";

using KernelFn = void (*)(const std::uint8_t* source, std::uint8_t* destination,
                          const float* floats, const std::int64_t* ints, const float* noise,
                          std::uint8_t* scratch);

// Where a cold compile's time goes, per phase: wall seconds and the compiling thread's CPU
// seconds (the machine may be shared, so CPU is the figure to compare).
struct PhaseTime {
  double wall = 0.0;
  double cpu = 0.0;
};
struct KernelCompileStats {
  PhaseTime load_module;  // dlopen of the code generator module (first compile only)
  PhaseTime setup;        // target lookup and TargetMachine
  PhaseTime ir;           // LoopProgram → LLVM IR, verified
  PhaseTime optimise;     // the IR pass pipeline
  PhaseTime codegen;      // machine code into an object file in memory
  PhaseTime link;         // the object linked into a shared object
  PhaseTime load;         // the shared object loaded (memfd + dlopen), by the runtime
  PhaseTime store;        // the shared object and its record put in the store, by the runtime
};

// Measures one phase: from construction to stop(), wall and this thread's CPU.
class PhaseTimer {
 public:
  PhaseTimer() : wall_(std::chrono::steady_clock::now()), cpu_(thread_cpu()) {}
  void stop(PhaseTime& into) const {
    into.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    into.cpu = thread_cpu() - cpu_;
  }

 private:
  static double thread_cpu() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

class KernelCompiler {
 public:
  virtual ~KernelCompiler() = default;
  // false with `error` set when the code cannot be generated or linked.
  virtual bool compile(const LoopProgram& program, std::string& shared_object,
                       KernelCompileStats& stats, std::string& error) = 0;
};

}  // namespace mlf::runtime

// The module's entry point (extern "C", looked up with dlsym).
extern "C" mlf::runtime::KernelCompiler* mlf_create_kernel_compiler();
