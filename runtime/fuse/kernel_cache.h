// Fused kernels by identity: in memory for the process, in the store across runs.
//
// Takes: a LoopProgram and, optionally, an open store.
// Promises: kernel_hash() = SHA-256 of (codegen version, this build of mlf, target identity,
// program.text()): the target identity is the machine name and the CPU feature flags the
// kernel may use, read from the system without LLVM, so the hash is known before deciding
// to compile. get_kernel() returns the process's copy when there is one; else, with a
// store, the shared object named by the record `kernels/<hash>` (kernel_record.h) — but
// only when that record authenticates under this user's kernel key (kernel_key.h) and its
// fields are this program's inputs, codegen version, target and build; it is then loaded
// from the store with dlopen of an anonymous in-memory file: no LLVM is mapped. Otherwise
// the module compiles the kernel (fuse_backend_loader.h), its bytes are put in the store
// and a signed record written last, and it is loaded the same way, so cold and warm runs
// execute the same machine code. The store thus runs no code that this user's mlf did not
// compile: a record that does not authenticate (planted, altered, or signed with another
// key, as in a store copied from elsewhere) is never followed to its object; the kernel is
// compiled again and the record replaced, and `refused` says which record and why. Without
// a usable key kernels are compiled and used but not stored (`not_cached` says why). A
// missing or corrupt cached object is recompiled. Thread-safe.
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
  // "kernel record kernels/<hash> <why>" when a stored record was refused (then compiled).
  std::string refused;
  // Why a compiled kernel was not put in the store (no usable kernel key), else "".
  std::string not_cached;
};

Digest kernel_hash(const LoopProgram& program);
// The machine name and the CPU's feature flags, as part of the kernel hash.
const std::string& target_identity();
// This build of mlf ("0.1.0 98208c0a1b2c"), as part of the kernel hash and record: a kernel
// is reused only by the build that compiled it.
const std::string& build_identity();

DataResult<LoadedKernel> get_kernel(const LoopProgram& program, ObjectStore* store);

// Forgets the process's kernels (tests: the next get_kernel goes to the store).
void forget_loaded_kernels();

}  // namespace mlf::runtime
