// Fused kernels by identity: in memory for the process, in the store across runs.
//
// Takes: a LoopProgram and, optionally, an open store.
// Promises: kernel_hash() = SHA-256 of (codegen version, target identity, program.text()):
// the target identity is the machine name and the CPU feature flags the kernel may use,
// read from the system without LLVM, so the hash is known before deciding to compile.
// get_kernel() returns the process's copy when there is one; else, with a store, the shared
// object recorded under `kernels/<hash>` (a text record naming the object's digest) is
// loaded from the store with dlopen of an anonymous in-memory file: no LLVM is mapped;
// else the module compiles it (fuse_backend_loader.h), its bytes are put in the store and
// the record written last, and it is loaded the same way, so cold and warm runs execute the
// same machine code. A missing or corrupt cached object is recompiled. Thread-safe.
// Does not: decide whether a chain can be fused (loop_ir.h) or run kernels (fused_chain.h).
#pragma once

#include <string>

#include "compiler/hash/sha256.h"
#include "runtime/data/data_result.h"
#include "runtime/fuse/kernel_compiler.h"
#include "runtime/fuse/loop_ir.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct LoadedKernel {
  KernelFn fn = nullptr;
  Digest hash;
  enum class From { Memory, Store, Compiled } from = From::Memory;
  double seconds = 0.0;              // to load, or to compile + link + load
  KernelCompileStats compile_stats;  // when compiled
};

Digest kernel_hash(const LoopProgram& program);
// The machine name and the CPU's feature flags, as part of the kernel hash.
const std::string& target_identity();

DataResult<LoadedKernel> get_kernel(const LoopProgram& program, ObjectStore* store);

// Forgets the process's kernels (tests: the next get_kernel goes to the store).
void forget_loaded_kernels();

}  // namespace mlf::runtime
