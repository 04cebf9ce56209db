#include "runtime/fuse/kernel_cache.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>

#include "runtime/fuse/fuse_backend_loader.h"

namespace mlf::runtime {
namespace {

std::mutex g_mutex;
std::map<Digest, KernelFn> g_loaded;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string record_name(const Digest& hash) { return "kernels/" + hash.hex(); }

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

Digest kernel_hash(const LoopProgram& program) {
  Sha256 hash;
  hash.update(std::string(kCodegenVersion) + "\n");
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
  if (store) {
    auto record = store->read_text(record_name(out.hash));
    Digest object;
    if (record.ok() && Digest::from_hex(record.value().substr(0, 64), object)) {
      auto bytes = store->get(object);
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
  if (!compiler) return DataError{problem};
  if (first_load) load_module.stop(out.compile_stats.load_module);
  std::string shared_object;
  if (!compiler->compile(program, shared_object, out.compile_stats, problem)) return DataError{problem};
  PhaseTimer load;
  auto fn = load_shared_object(shared_object);
  if (!ok(fn)) return error(fn);
  load.stop(out.compile_stats.load);
  if (store) {
    // The record is written after its object; a failure to cache costs a recompile later.
    PhaseTimer put_time;
    auto put = store->put(shared_object);
    if (put.ok()) (void)store->write_text(record_name(out.hash), put.value().hex() + "\n");
    put_time.stop(out.compile_stats.store);
  }
  out.fn = value(fn);
  out.from = LoadedKernel::From::Compiled;
  out.seconds = seconds_since(start);
  g_loaded[out.hash] = out.fn;
  return out;
}

}  // namespace mlf::runtime
