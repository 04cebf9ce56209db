// `mlf run` with fused augment chains: the first run compiles the kernels into the store; a
// fully cached run maps neither LLVM nor LibTorch; a run whose stages must execute again
// loads the kernels from the store without mapping LLVM.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

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
  const std::string command = "'" + binary.string() + "' run --threads 1 points.mlflow";

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
