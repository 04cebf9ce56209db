// The code generator module: LoopProgram → LLVM IR → optimised machine code for this CPU →
// a PIC object → a shared object (written in memory, or linked by `ld -shared` when the
// object holds something the in-memory writer does not handle), returned as bytes.
//
// Why an object and a shared object rather than only an in-process JIT: the bytes are what
// the kernel cache stores, and loading them later is a dlopen that maps no LLVM
// (kernel_cache.h). The first run loads the same bytes the same way, so a cold and a warm
// run execute the very same machine code (docs/fusion.md).
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/SubtargetFeature.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "runtime/fuse/kernel_compiler.h"
#include "runtime/fuse/llvm/kernel_codegen.h"
#include "runtime/fuse/llvm/shared_object_writer.h"

extern char** environ;

namespace mlf::runtime {
namespace {

// The host's features by name (LLVM 14 does not know this CPU's name, so the CPU is the
// generic x86-64 and the features say what it has).
std::string host_features() {
  llvm::StringMap<bool> features;
  llvm::SubtargetFeatures out;
  if (llvm::sys::getHostCPUFeatures(features)) {
    std::vector<std::string> names;
    for (const auto& f : features) {
      std::string name(1, f.second ? '+' : '-');
      names.push_back(name.append(f.first().data(), f.first().size()));
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) out.AddFeature(n);
  }
  return out.getString();
}

// Runs `ld -shared` on `object`, writing `shared`. No shell: arguments go as they are.
bool link_shared(const std::filesystem::path& object, const std::filesystem::path& shared,
                 std::string& error) {
  const std::string o = object.string(), so = shared.string();
  const char* ld = std::getenv("MLF_LD");
  std::string linker = ld && *ld ? ld : "ld";
  std::vector<char*> argv = {linker.data(), const_cast<char*>("-shared"), const_cast<char*>("--hash-style=gnu"),
                             const_cast<char*>("-o"), const_cast<char*>(so.c_str()), const_cast<char*>(o.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, linker.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    error = "cannot run the linker `" + linker + "` (binutils) to build a fused kernel";
    return false;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = "the linker `" + linker + "` failed on a fused kernel";
    return false;
  }
  return true;
}

// The object linked into a shared object's bytes, through files in a temporary folder.
bool link_object(const llvm::SmallVector<char, 0>& object, std::string& shared_object,
                 std::string& error) {
  char folder_template[] = "/tmp/mlf-kernel-XXXXXX";
  if (!mkdtemp(folder_template)) {
    error = "cannot create a temporary folder to link a fused kernel";
    return false;
  }
  const std::filesystem::path folder = folder_template;
  const auto object_path = folder / "kernel.o", shared_path = folder / "kernel.so";
  bool linked = false;
  {
    std::ofstream out(object_path, std::ios::binary);
    out.write(object.data(), static_cast<std::streamsize>(object.size()));
    linked = out.good();
  }
  if (!linked) error = "cannot write a fused kernel's object file";
  if (linked) linked = link_shared(object_path, shared_path, error);
  if (linked) {
    std::ifstream in(shared_path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    shared_object = bytes.str();
    linked = !shared_object.empty();
    if (!linked) error = "cannot read a linked fused kernel";
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  return linked;
}

class LlvmKernelCompiler : public KernelCompiler {
 public:
  LlvmKernelCompiler() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // Loop strength reduction, a code generator pass, took a tenth of a cold compile (its
    // formula search grows with the vectorised loops' induction variables) and changed no
    // kernel's speed measurably (chains P, G and R, both shapes of bench/augment.sh). This
    // LLVM is linked into this module only, so the option touches nothing else.
    static std::once_flag options;
    std::call_once(options, [] {
      const char* argv[] = {"mlf-fuse", "-disable-lsr"};
      llvm::cl::ParseCommandLineOptions(2, argv);
    });
  }

  bool compile(const LoopProgram& program, std::string& shared_object, KernelCompileStats& stats,
               std::string& error) override {
    std::lock_guard<std::mutex> hold(mutex_);
    PhaseTimer setup;
    if (!machine_ && !make_machine(error)) return false;
    setup.stop(stats.setup);

    PhaseTimer ir;
    llvm::LLVMContext context;
    auto module = std::make_unique<llvm::Module>("mlf_fused", context);
    module->setTargetTriple(machine_->getTargetTriple().str());
    module->setDataLayout(machine_->createDataLayout());
    emit_kernel(program, *module);
    std::string verify;
    llvm::raw_string_ostream verify_stream(verify);
    if (llvm::verifyModule(*module, &verify_stream)) {
      error = "the fusion pass generated invalid code: " + verify_stream.str();
      return false;
    }
    ir.stop(stats.ir);

    PhaseTimer optimise;
    {
      llvm::PipelineTuningOptions tuning;
      tuning.LoopVectorization = true;
      tuning.SLPVectorization = true;
      tuning.LoopUnrolling = true;
      llvm::PassBuilder builder(machine_.get(), tuning);
      llvm::LoopAnalysisManager lam;
      llvm::FunctionAnalysisManager fam;
      llvm::CGSCCAnalysisManager cgam;
      llvm::ModuleAnalysisManager mam;
      builder.registerModuleAnalyses(mam);
      builder.registerCGSCCAnalyses(cgam);
      builder.registerFunctionAnalyses(fam);
      builder.registerLoopAnalyses(lam);
      builder.crossRegisterProxies(lam, fam, cgam, mam);
      llvm::ModulePassManager passes = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
      passes.run(*module, mam);
    }
    optimise.stop(stats.optimise);

    PhaseTimer codegen;
    llvm::SmallVector<char, 0> object;
    {
      llvm::raw_svector_ostream stream(object);
      llvm::legacy::PassManager passes;
      if (machine_->addPassesToEmitFile(passes, stream, nullptr, llvm::CGFT_ObjectFile)) {
        error = "the target cannot emit object files";
        return false;
      }
      passes.run(*module);
    }
    codegen.stop(stats.codegen);

    PhaseTimer link;
    // In memory when the object is as simple as kernels are (shared_object_writer.h); `ld`
    // otherwise, or always when MLF_LD names a linker.
    std::string unsupported;
    const char* ld = std::getenv("MLF_LD");
    bool linked = !(ld && *ld) &&
                  write_shared_object(std::string_view(object.data(), object.size()), shared_object,
                                      unsupported);
    if (!linked) linked = link_object(object, shared_object, error);
    link.stop(stats.link);
    return linked;
  }

 private:
  // One target machine for the process: looking up the host's features and building the
  // machine is the same work for every kernel.
  bool make_machine(std::string& error) {
    const std::string triple = llvm::sys::getProcessTriple();
    std::string lookup_error;
    const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, lookup_error);
    if (!target) {
      error = "no code generator for `" + triple + "`: " + lookup_error;
      return false;
    }
    llvm::TargetOptions options;
    options.AllowFPOpFusion = llvm::FPOpFusion::Strict;  // no FMA: results as the interpreter's
    options.UnsafeFPMath = false;
    options.NoInfsFPMath = false;
    options.NoNaNsFPMath = false;
    machine_.reset(target->createTargetMachine(triple, "x86-64", host_features(), options,
                                               llvm::Reloc::PIC_, llvm::None,
                                               llvm::CodeGenOpt::Aggressive));
    if (!machine_) error = "cannot create a target machine for `" + triple + "`";
    return machine_ != nullptr;
  }

  std::mutex mutex_;
  std::unique_ptr<llvm::TargetMachine> machine_;
};

}  // namespace
}  // namespace mlf::runtime

extern "C" __attribute__((visibility("default"))) mlf::runtime::KernelCompiler*
mlf_create_kernel_compiler() {
  static mlf::runtime::LlvmKernelCompiler compiler;
  return &compiler;
}
