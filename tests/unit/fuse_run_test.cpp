// `mlf run` with fused augment chains: the first run compiles the kernels into the store; a
// fully cached run maps neither LLVM nor LibTorch; a run whose stages must execute again
// loads the kernels from the store without mapping LLVM — but never a kernel that this
// user's mlf did not compile (a planted shared object is refused, compiled again, and
// reported by `mlf verify`).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/store/object_store.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string text;
};

Output run(const std::string& command) {
  Output out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  const int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The lines of an LD_DEBUG=libs trace that name a library file being opened.
std::string opened_libraries(const std::string& trace) {
  std::string out;
  std::size_t start = 0;
  while (start < trace.size()) {
    std::size_t end = trace.find('\n', start);
    if (end == std::string::npos) end = trace.size();
    const std::string line = trace.substr(start, end - start);
    if (line.find("trying file=") != std::string::npos || line.find("calling init:") != std::string::npos)
      out += line + "\n";
    start = end + 1;
  }
  return out;
}

bool backends_built() {
  const fs::path binary = MLF_BINARY;
  const char* torch = std::getenv("MLF_TORCH_BACKEND");  // the loader's override
  return (fs::exists(binary.parent_path() / "mlf_torch_backend.so") || (torch && fs::exists(torch))) &&
         fs::exists(binary.parent_path() / "mlf_fuse_backend.so");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every result record of a store, without the lines that may differ between two runs that
// computed the same things (the time taken, comments).
std::map<std::string, std::string> results_without_times(const fs::path& store) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(store / "results")) {
    std::istringstream lines(read_file(entry.path()));
    std::string line, kept;
    while (std::getline(lines, line))
      if (line.rfind("seconds", 0) != 0 && line.rfind("#", 0) != 0) kept += line + "\n";
    out[entry.path().filename().string()] = kept;
  }
  return out;
}

// The one kernel record of a store, and the object it names: the 64-hex-digit word of the
// record that is an object in the store (whatever the record's format).
struct StoredKernel {
  fs::path record;
  std::string object;
};

StoredKernel only_kernel(const fs::path& store) {
  StoredKernel out;
  std::size_t records = 0;
  for (const auto& entry : fs::directory_iterator(store / "kernels")) {
    out.record = entry.path();
    ++records;
  }
  EXPECT_EQ(records, 1u) << "expected one kernel record in " << store;
  const std::string text = read_file(out.record);
  const std::regex hex("[0-9a-f]{64}");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), hex); it != std::sregex_iterator(); ++it) {
    const std::string word = it->str();
    if (fs::exists(store / "objects" / word.substr(0, 2) / word.substr(2))) out.object = word;
  }
  EXPECT_FALSE(out.object.empty()) << text;
  return out;
}

// The reproducer, through the real CLI: a shared object put in the store under its own
// SHA-256 (here a real kernel, compiled by another project for another normalisation, so
// running it would change the results without crashing) and the kernel record rewritten to
// name it. `mlf verify` must report the record; the next run must refuse it with a warning
// naming the record, compile the kernel again and compute exactly what it computed before.
TEST(FuseRun, PlantedKernelIsRefusedCompiledAgainAndReportedByVerify) {
  if (!backends_built()) GTEST_SKIP() << "the LibTorch or the fusion backend is not built";
  const fs::path base = fs::temp_directory_path() / ("mlf-fuse-plant-" + std::to_string(getpid()));
  fs::remove_all(base);
  const auto write_project = [&](const fs::path& dir, const std::string& mean) {
    fs::create_directories(dir);
    std::ofstream csv(dir / "points.csv");
    csv << "a,b,label\n";
    for (int i = 0; i < 64; ++i)
      csv << (i % 2 ? 1.5 : -1.5) + (i % 7) * 0.05 << "," << (i % 2 ? -1.0 : 1.0) - (i % 5) * 0.05 << ","
          << (i % 2 ? "yes" : "no") << "\n";
    std::ofstream(dir / "points.mlflow")
        << "pipeline points\nseed 3\n"
           "dataset all = csv(\"points.csv\", label: \"label\")\n"
           "dataset train = split(all, fraction: 0.75)\n"
           "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
           "augment prep = [ normalize(mean: " + mean + ", std: 1.5) ]\n"
           "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
           "stage fit = train(mlp, data: train |> prep, loss: cross_entropy, optimizer: adam(lr: 0.05),\n"
           "                  epochs: 2, batch: 16)\n"
           "stage score = evaluate(fit, data: test, metrics: [accuracy, loss])\n";
  };
  const fs::path victim = base / "victim", donor = base / "donor";
  write_project(victim, "0.1");
  write_project(donor, "0.7");
  const std::string mlf = "XDG_STATE_HOME='" + (base / "state").string() + "' '" + std::string(MLF_BINARY) + "' ";
  const auto in = [](const fs::path& dir) { return "cd '" + dir.string() + "' && "; };

  Output first = run(in(victim) + mlf + "run --threads 1 points.mlflow");
  ASSERT_EQ(first.exit_code, 0) << first.text;
  ASSERT_EQ(run(in(donor) + mlf + "run --threads 1 points.mlflow").exit_code, 0);
  const auto honest = results_without_times(victim / ".mlf");
  const StoredKernel kernel = only_kernel(victim / ".mlf");
  const StoredKernel planted = only_kernel(donor / ".mlf");
  ASSERT_NE(kernel.object, planted.object);

  // The plant: the other object under its own digest, and the record pointed at it.
  const fs::path object_path = fs::path("objects") / planted.object.substr(0, 2) / planted.object.substr(2);
  fs::create_directories((victim / ".mlf" / object_path).parent_path());
  fs::copy_file(donor / ".mlf" / object_path, victim / ".mlf" / object_path, fs::copy_options::overwrite_existing);
  // Written through the store, so that its seal is right: a deliberate plant, which only the
  // record's authentication can catch (a hand edit is already caught by the seal).
  const std::string record_name = "kernels/" + kernel.record.filename().string();
  {
    auto victim_store = runtime::ObjectStore::open(victim / ".mlf");
    ASSERT_TRUE(victim_store.ok()) << victim_store.error().message;
    auto text = victim_store.value().read_text(record_name);
    ASSERT_TRUE(text.ok()) << text.error().message;
    std::string record = text.value();
    for (std::size_t at = record.find(kernel.object); at != std::string::npos; at = record.find(kernel.object, at))
      record.replace(at, kernel.object.size(), planted.object);
    ASSERT_TRUE(victim_store.value().write_text(record_name, record).ok());
  }

  Output verify = run(in(victim) + mlf + "verify");
  EXPECT_EQ(verify.exit_code, 1) << verify.text;
  EXPECT_NE(verify.text.find("unauthenticated kernel record: " + record_name), std::string::npos) << verify.text;

  // The stages run again and need the kernel.
  fs::remove_all(victim / ".mlf" / "results");
  fs::remove_all(victim / ".mlf" / "memo");
  Output again = run(in(victim) + mlf + "run --threads 1 points.mlflow");
  ASSERT_EQ(again.exit_code, 0) << again.text;
  EXPECT_NE(again.text.find("warning: kernel record " + record_name + " does not authenticate"), std::string::npos)
      << again.text;
  EXPECT_EQ(results_without_times(victim / ".mlf"), honest) << "the run computed something else";
  // The record was written again, signed: the store verifies clean.
  Output clean = run(in(victim) + mlf + "verify");
  EXPECT_EQ(clean.exit_code, 0) << clean.text;
  fs::remove_all(base);
}

TEST(FuseRun, CachedKernelsAndCachedRunsMapNoLlvm) {
  const fs::path binary = MLF_BINARY;
  const char* torch = std::getenv("MLF_TORCH_BACKEND");  // the loader's override
  if ((!fs::exists(binary.parent_path() / "mlf_torch_backend.so") && !(torch && fs::exists(torch))) ||
      !fs::exists(binary.parent_path() / "mlf_fuse_backend.so"))
    GTEST_SKIP() << "the LibTorch or the fusion backend is not built";
  const fs::path dir = fs::temp_directory_path() / ("mlf-fuse-run-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream csv(dir / "points.csv");
  csv << "a,b,label\n";
  std::mt19937 gen(5);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (int i = 0; i < 160; ++i) {
    const int label = i % 2;
    csv << (label ? 1.5 : -1.5) + noise(gen) << "," << (label ? -1.0 : 1.0) + noise(gen) << ","
        << (label ? "yes" : "no") << "\n";
  }
  csv.close();
  std::ofstream(dir / "points.mlflow")
      << "pipeline points\nseed 3\n"
         "dataset all = csv(\"points.csv\", label: \"label\")\n"
         "dataset train = split(all, fraction: 0.75)\n"
         "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
         "augment prep = [ normalize(mean: 0.1, std: 1.5) ]\n"
         "augment noisy = prep + [ gaussian_noise(std: 0.05), brightness(delta: 0.1), clamp(min: -4, max: 4) ]\n"
         "model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]\n"
         "stage fit = train(mlp, data: train |> noisy, loss: cross_entropy, optimizer: adam(lr: 0.05),\n"
         "                  epochs: 2, batch: 16)\n"
         "stage score = evaluate(fit, data: test |> prep, metrics: [accuracy])\n";
  const std::string mlf = "cd '" + dir.string() + "' && ";
  // A kernel key of the test's own, not the user's.
  const std::string command = "XDG_STATE_HOME='" + (dir / "state").string() + "' '" + binary.string() +
                              "' run --threads 1 points.mlflow";

  Output first = run(mlf + command);
  ASSERT_EQ(first.exit_code, 0) << first.text;
  EXPECT_TRUE(fs::exists(dir / ".mlf" / "kernels")) << "no kernel was cached";

  Output cached = run(mlf + "LD_DEBUG=libs " + command);
  ASSERT_EQ(cached.exit_code, 0) << cached.text;
  const std::string cached_libraries = opened_libraries(cached.text);
  EXPECT_EQ(cached_libraries.find("fuse_backend"), std::string::npos) << cached_libraries;
  EXPECT_EQ(cached_libraries.find("LLVM"), std::string::npos) << cached_libraries;
  EXPECT_EQ(cached_libraries.find("libtorch"), std::string::npos) << cached_libraries;

  // Forget the stage results: the stages run again, their kernels come from the store.
  fs::remove_all(dir / ".mlf" / "results");
  Output warm = run(mlf + "LD_DEBUG=libs " + command);
  ASSERT_EQ(warm.exit_code, 0) << warm.text;
  const std::string warm_libraries = opened_libraries(warm.text);
  EXPECT_NE(warm_libraries.find("libtorch"), std::string::npos) << "the stages did not run again";
  EXPECT_EQ(warm_libraries.find("fuse_backend"), std::string::npos) << warm_libraries;
  EXPECT_EQ(warm_libraries.find("LLVM"), std::string::npos) << warm_libraries;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlf

