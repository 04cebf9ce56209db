// Training with an augment chain gives the same weights and log whether each epoch's
// augmented data is made ahead on another thread (ExecOptions::prefetch) or when training
// asks for it, at one thread and at two: the data does not depend on when it is made.
// Needs the LibTorch backend module beside the binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

#include "compiler/plan/plan_reader.h"
#include "runtime/exec/executor.h"
#include "runtime/store/object_store.h"
#include "tests/unit/cli_runner.h"
#include "tests/unit/pipeline_fixture.h"
#include "tests/unit/scratch_dir.h"

namespace mlf::runtime {
namespace {

// Output digests of every node that ran, by node id.
std::map<std::string, std::map<std::string, std::string>> outputs_of(const RunRecord& record) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const NodeRecord& node : record.nodes) out[node.id] = node.outputs;
  return out;
}

TEST(TrainPrefetch, WeightsAndLogDoNotDependOnPrefetchOrThreads) {
  if (!test_support::training_backend_built()) GTEST_SKIP() << "the LibTorch backend is not built";
  // The backend is beside `mlf`, not beside this test binary (the loader's override).
  const auto backend = std::filesystem::path(MLF_BINARY).parent_path() / "mlf_torch_backend.so";
  setenv("MLF_TORCH_BACKEND", backend.c_str(), 0);
  test_support::ScratchDir dir;
  std::ostringstream csv;
  csv << "a,b,label\n";
  std::mt19937 gen(11);
  std::normal_distribution<double> noise(0.0, 0.4);
  for (int i = 0; i < 200; ++i) {
    const int label = i % 2;
    csv << (label ? 1.0 : -1.0) + noise(gen) << "," << (label ? -0.5 : 0.5) + noise(gen) << ","
        << (label ? "yes" : "no") << "\n";
  }
  dir.write("points.csv", csv.str());
  const std::string main = dir.write(
      "points.mlflow",
      "pipeline points\nseed 7\n"
      "dataset all = csv(\"points.csv\", label: \"label\")\n"
      "augment noisy = [ normalize(mean: 0.1, std: 1.5), gaussian_noise(std: 0.2), "
      "brightness(delta: 0.1) ]\n"
      "model mlp = sequential [ linear(out: 8), relu, linear(out: 2) ]\n"
      "stage fit = train(mlp, data: all |> noisy, loss: cross_entropy, optimizer: adam(lr: 0.05),\n"
      "                  epochs: 4, batch: 32)\n");
  fixture::Compiled compiled = fixture::compile_file(main);
  ASSERT_TRUE(compiled.ok) << compiled.messages;
  auto read = read_plan(plan_file_text(compiled.plan.body, compiled.plan.labels));
  ASSERT_TRUE(read.ok()) << read.errors.front();

  int variant = 0;
  for (int threads : {1, 2}) {
    std::map<std::string, std::map<std::string, std::string>> reference;
    for (bool prefetch : {false, true}) {
      auto store = ObjectStore::open(dir.path("store-" + std::to_string(variant++)));
      ASSERT_TRUE(store.ok());
      ExecOptions options;
      options.prefetch = prefetch;
      options.threads = threads;
      options.read_cache = false;
      ExecOutcome outcome = execute_plan(read.plan, store.value(), options, nullptr);
      ASSERT_EQ(outcome.exit_code, 0) << outcome.error;
      auto outputs = outputs_of(outcome.record);
      bool trained = false;
      for (const auto& [id, named] : outputs) trained = trained || named.count("weights");
      EXPECT_TRUE(trained) << "no node trained";
      if (reference.empty()) reference = outputs;
      else EXPECT_EQ(outputs, reference) << "prefetch changed the results at " << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace mlf::runtime
