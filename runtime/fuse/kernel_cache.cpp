#include "runtime/fuse/kernel_cache.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "runtime/fuse/fuse_backend_loader.h"
#include "runtime/fuse/kernel_key.h"
#include "runtime/fuse/kernel_record.h"
#include "runtime/record/build_info.h"

namespace mlf::runtime {
namespace {

std::mutex g_mutex;
std::map<Digest, KernelFn> g_loaded;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The record this process would write for `program`, unsigned.
KernelRecord expected_record(const Digest& kernel, const LoopProgram& program) {
  KernelRecord record;
  record.kernel = kernel;
  record.inputs = Sha256::of(program.text());
  record.codegen = kCodegenVersion;
  record.target = Sha256::of(target_identity());
  record.build = build_identity();
  return record;
}

// Which field of an authenticated record differs from what this process expects ("" when
// none): only a record of this user's mlf renamed or copied over another one can get here.
std::string mismatched_field(const KernelRecord& found, const KernelRecord& expected) {
  if (found.kernel != expected.kernel) return "kernel";
  if (found.inputs != expected.inputs) return "inputs";
  if (found.codegen != expected.codegen) return "codegen";
  if (found.target != expected.target) return "target";
  if (found.build != expected.build) return "build";
  return "";
}

// The shared object a stored record names, once the record has proved that this user's
// mlf compiled it for this program; nullopt when there is none to use, with `refused` set
// when there was a record and it was refused (the caller warns and compiles again).
std::optional<Digest> authenticated_object(ObjectStore& store, const KernelRecord& expected,
                                           std::string& refused, std::string& key_problem) {
  const std::string name = kernel_record_name(expected.kernel);
  if (!store.contains_text(name)) return std::nullopt;
  auto text = store.read_text(name);
  if (!text.ok()) {  // damaged or unreadable: written again after the compile
    refused = "kernel record " + name + " cannot be used: " + text.error().message;
    return std::nullopt;
  }
  const KernelKey* key = process_kernel_key(key_problem);
  if (!key) return std::nullopt;
  std::string why;
  auto record = parse_kernel_record(text.value(), why);
  if (record) why = kernel_record_refusal(*record, *key);
  if (record && why.empty()) {
    const std::string field = mismatched_field(*record, expected);
    if (field.empty()) return record->object;
    why = "authenticates but its `" + field + "` is not this kernel's";
  }
  refused = "kernel record " + name + " " + why;
  return std::nullopt;
}

// dlopen of the bytes through an anonymous in-memory file. The descriptor stays open for
// the life of the process: the loader knows objects by path, and /proc/self/fd/N must not
// name two kernels.
DataResult<KernelFn> load_shared_object(const std::string& bytes) {
  const int fd = memfd_create("mlf-kernel", MFD_CLOEXEC);
  if (fd < 0) return DataError{"cannot create an in-memory file for a fused kernel"};
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      close(fd);
      return DataError{"cannot write a fused kernel to memory"};
    }
    written += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    close(fd);
    return DataError{std::string("cannot load a fused kernel: ") + (why ? why : "unknown")};
  }
  auto fn = reinterpret_cast<KernelFn>(dlsym(handle, kKernelSymbol));
  if (!fn) return DataError{"a fused kernel has no entry point"};
  return fn;
}

}  // namespace

const std::string& target_identity() {
  static const std::string identity = [] {
    std::string out;
    utsname names{};
    if (uname(&names) == 0) out = names.machine;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line))
      if (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0) {
        out += "\n" + line.substr(line.find(':') == std::string::npos ? 0 : line.find(':') + 1);
        break;
      }
    return out;
  }();
  return identity;
}

const std::string& build_identity() {
  static const std::string identity = mlf_version() + " " + mlf_commit();
  return identity;
}

Digest kernel_hash(const LoopProgram& program) {
  Sha256 hash;
  hash.update(std::string(kCodegenVersion) + "\n");
  hash.update(build_identity() + "\n");
  hash.update(target_identity() + "\n");
  hash.update(program.text());
  return hash.finish();
}

void forget_loaded_kernels() {
  std::lock_guard<std::mutex> hold(g_mutex);
  g_loaded.clear();
}

DataResult<LoadedKernel> get_kernel(const LoopProgram& program, ObjectStore* store) {
  const auto start = std::chrono::steady_clock::now();
  LoadedKernel out;
  out.hash = kernel_hash(program);
  std::lock_guard<std::mutex> hold(g_mutex);
  if (auto found = g_loaded.find(out.hash); found != g_loaded.end()) {
    out.fn = found->second;
    out.from = LoadedKernel::From::Memory;
    return out;
  }
  const KernelRecord expected = store ? expected_record(out.hash, program) : KernelRecord{};
  std::string key_problem;
  if (store) {
    if (auto object = authenticated_object(*store, expected, out.refused, key_problem)) {
      auto bytes = store->get(*object);
      if (bytes.ok()) {
        auto fn = load_shared_object(bytes.value());
        if (ok(fn)) {
          out.fn = value(fn);
          out.from = LoadedKernel::From::Store;
          out.seconds = seconds_since(start);
          g_loaded[out.hash] = out.fn;
          return out;
        }
      }
    }
  }
  std::string problem;
  PhaseTimer load_module;
  const bool first_load = !kernel_compiler_loaded();
  KernelCompiler* compiler = load_kernel_compiler(problem);
  // A refused record stays worth saying when the kernel cannot be compiled instead.
  const auto failed = [&out](const std::string& why) {
    return DataError{out.refused.empty() ? why : why + " (" + out.refused + ")"};
  };
  if (!compiler) return failed(problem);
  if (first_load) load_module.stop(out.compile_stats.load_module);
  std::string shared_object;
  if (!compiler->compile(program, shared_object, out.compile_stats, problem)) return failed(problem);
  PhaseTimer load;
  auto fn = load_shared_object(shared_object);
  if (!ok(fn)) return error(fn);
  load.stop(out.compile_stats.load);
  const KernelKey* key = store ? process_kernel_key(key_problem) : nullptr;
  if (key) {
    // The record is written after its object; a failure to cache costs a recompile later.
    PhaseTimer put_time;
    auto put = store->put(shared_object);
    if (put.ok()) {
      KernelRecord record = expected;
      record.object = put.value();
      sign_kernel_record(record, *key);
      (void)store->write_text(kernel_record_name(out.hash), kernel_record_text(record));
    }
    put_time.stop(out.compile_stats.store);
  } else if (store) {
    out.not_cached = key_problem;
  }
  out.fn = value(fn);
  out.from = LoadedKernel::From::Compiled;
  out.seconds = seconds_since(start);
  g_loaded[out.hash] = out.fn;
  return out;
}

}  // namespace mlf::runtime
