// Tests of the LibTorch training backend, through the interface the runtime uses
// (runtime/backend/training_backend.h) on the module loaded with dlopen.

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>
#include <functional>
#include <unistd.h>

#include "tests/torch/backend_fixture.h"

namespace mlf::torch_test {
namespace {

using runtime::EvaluateRequest;
using runtime::EvaluateResult;
using runtime::Progress;
using runtime::TrainResult;

const NamedTensor* find(const std::vector<NamedTensor>& weights, const std::string& name) {
  for (const NamedTensor& tensor : weights)
    if (tensor.name == name) return &tensor;
  return nullptr;
}

std::vector<std::string> names(const std::vector<NamedTensor>& weights) {
  std::vector<std::string> out;
  for (const NamedTensor& tensor : weights) out.push_back(tensor.name);
  return out;
}

NamedTensor tensor(std::string name, std::vector<std::int64_t> shape, std::vector<float> values) {
  return NamedTensor{std::move(name), std::move(shape), std::move(values)};
}

std::vector<float> identity(int n, float scale = 1.0f) {
  std::vector<float> values(static_cast<std::size_t>(n * n), 0.0f);
  for (int i = 0; i < n; ++i) values[static_cast<std::size_t>(i * n + i)] = scale;
  return values;
}

BackendTensor samples(std::vector<std::int64_t> shape, std::vector<float> values) {
  return BackendTensor{std::move(shape), std::move(values)};
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::filesystem::path temp_dir() {
  return std::filesystem::path(testing::TempDir()) / ("mlf_torch_" + std::to_string(::getpid()));
}

std::string temp_path(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / name).string();
}

class RemoveTempDir : public testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
  }
};
const testing::Environment* const remove_temp_dir =
    testing::AddGlobalTestEnvironment(new RemoveTempDir);

// A whole number from the environment, for the timing test.
long env_number(const char* name, long fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atol(value) : fallback;
}

TEST(TorchBackend, EnvironmentNamesLibrariesAndThreads) {
  auto env = backend().environment(2);
  ASSERT_EQ(env.facts.count("error"), 0u) << env.facts["error"];
  EXPECT_EQ(env.facts["libtorch"].substr(0, 4), "1.13");
  EXPECT_NE(env.facts["blas"].find("blas"), std::string::npos) << env.facts["blas"];
  EXPECT_EQ(env.facts["blas"].front(), '/');
  EXPECT_FALSE(env.facts["cpu_capability"].empty());
  EXPECT_EQ(env.facts["intra_op_threads"], "2");
  EXPECT_EQ(env.facts["inter_op_threads"], "1");
  for (const auto& [key, value] : env.facts) RecordProperty(key, value);
  EXPECT_EQ(backend().environment(1).facts["intra_op_threads"], "1");
}

TEST(TorchBackend, BuildsTheBriefsCnnWithInferredShapes) {
  TrainRequest request;
  request.layers = cnn_layers();
  request.input_shape = {1, 28, 28};
  request.loss = op("cross_entropy");
  request.optimizer = op("adam", {{"lr", "0.001"}});
  request.epochs = 1;
  request.batch = 8;
  request.threads = 2;
  request.epoch_data = [](int) { return random_images(12, {1, 28, 28}, 10, 5); };
  TrainResult result = backend().train(request);
  ASSERT_TRUE(result.ok) << result.error;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected = {
      {"0.weight", {32, 1, 3, 3}}, {"0.bias", {32}},     {"3.weight", {64, 32, 3, 3}},
      {"3.bias", {64}},            {"7.weight", {128, 3136}}, {"7.bias", {128}},
      {"10.weight", {10, 128}},    {"10.bias", {10}},
  };
  ASSERT_EQ(result.weights.size(), expected.size()) << ::testing::PrintToString(names(result.weights));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result.weights[i].name, expected[i].first);
    EXPECT_EQ(result.weights[i].shape, expected[i].second) << expected[i].first;
    std::int64_t size = 1;
    for (auto d : expected[i].second) size *= d;
    EXPECT_EQ(static_cast<std::int64_t>(result.weights[i].values.size()), size);
  }
  ASSERT_EQ(result.log.size(), 1u);
  EXPECT_TRUE(std::isfinite(result.log[0].loss));
  EXPECT_DOUBLE_EQ(result.log[0].learning_rate, 0.001);

  EvaluateRequest evaluate;
  evaluate.layers = request.layers;
  evaluate.input_shape = request.input_shape;
  evaluate.weights = result.weights;
  EpochData data = random_images(5, {1, 28, 28}, 10, 6);
  evaluate.x = data.x;
  evaluate.labels = data.labels;
  evaluate.classes = 10;
  evaluate.loss = op("cross_entropy");
  evaluate.threads = 2;
  EvaluateResult scored = backend().evaluate(evaluate);
  ASSERT_TRUE(scored.ok) << scored.error;
  EXPECT_EQ(scored.logits.shape, (std::vector<std::int64_t>{5, 10}));
  EXPECT_EQ(scored.predictions.size(), 5u);
  EXPECT_EQ(scored.losses.size(), 5u);
}

TEST(TorchBackend, ParsesPairsAndNumbersInTomlForm) {
  TrainRequest request;
  request.layers = {
      op("conv2d", {{"out", "1_0"}, {"kernel", "[3, 5]"}, {"stride", "[1,2]"}, {"bias", "false"}}),
      op("avg_pool", {{"kernel", "[2, 1]"}, {"stride", "[ 2 , 1 ]"}}),
      op("flatten"),
      op("linear", {{"out", "0x2"}}),
  };
  request.input_shape = {1, 10, 10};
  request.loss = op("cross_entropy", {{"label_smoothing", "0.0"}});
  request.optimizer = op("sgd", {{"lr", "1e-2"}, {"momentum", "0.9"}, {"nesterov", "true"}});
  request.batch = 4;
  request.epoch_data = [](int) { return random_images(6, {1, 10, 10}, 2, 9); };
  TrainResult result = backend().train(request);
  ASSERT_TRUE(result.ok) << result.error;
  // conv: [10, 8, 3] (no bias); pool: [10, 4, 3]; flatten: 120.
  ASSERT_EQ(result.weights.size(), 3u) << ::testing::PrintToString(names(result.weights));
  EXPECT_EQ(result.weights[0].shape, (std::vector<std::int64_t>{10, 1, 3, 5}));
  EXPECT_EQ(result.weights[1].name, "3.weight");
  EXPECT_EQ(result.weights[1].shape, (std::vector<std::int64_t>{2, 120}));
}

TEST(TorchBackend, TrainsAnMlpOnSeparableData) {
  TrainRequest request;
  request.layers = {op("linear", {{"out", "16"}}), op("relu"), op("linear", {{"out", "2"}})};
  request.input_shape = {8};
  request.loss = op("cross_entropy");
  request.optimizer = op("adam", {{"lr", "0.01"}});
  request.epochs = 4;
  request.batch = 32;
  request.seed = 7;
  request.threads = 2;
  request.epoch_data = [](int) { return two_clouds(512, 8, 11); };
  TrainResult result = backend().train(request);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.log.size(), 4u);
  EXPECT_LT(result.log.back().loss, result.log.front().loss);

  EpochData test = two_clouds(1000, 8, 99);
  EvaluateRequest evaluate;
  evaluate.layers = request.layers;
  evaluate.input_shape = request.input_shape;
  evaluate.weights = result.weights;
  evaluate.x = test.x;
  evaluate.labels = test.labels;
  evaluate.classes = 2;
  evaluate.loss = request.loss;
  evaluate.batch = 128;
  evaluate.threads = 2;
  EvaluateResult scored = backend().evaluate(evaluate);
  ASSERT_TRUE(scored.ok) << scored.error;
  ASSERT_EQ(scored.predictions.size(), 1000u);
  int correct = 0;
  for (std::size_t i = 0; i < test.labels.size(); ++i) correct += scored.predictions[i] == test.labels[i];
  double accuracy = correct / 1000.0;
  RecordProperty("accuracy", std::to_string(accuracy));
  EXPECT_GT(accuracy, 0.95);
}

TEST(TorchBackend, SameRequestGivesIdenticalWeightsInOneProcess) {
  TrainResult first = backend().train(mixed_request(2));
  ASSERT_TRUE(first.ok) << first.error;
  // Something else in between, which must not leak into the next run.
  TrainResult other = backend().train(mixed_request(2, /*seed=*/99));
  ASSERT_TRUE(other.ok) << other.error;
  TrainResult second = backend().train(mixed_request(2));
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(weight_bytes(first.weights), weight_bytes(second.weights));
  EXPECT_NE(weight_bytes(first.weights), weight_bytes(other.weights));
  ASSERT_EQ(first.log.size(), second.log.size());
  for (std::size_t i = 0; i < first.log.size(); ++i) EXPECT_EQ(first.log[i].loss, second.log[i].loss);
}

TEST(TorchBackend, SameRequestGivesIdenticalWeightsAcrossProcesses) {
  TrainResult here = backend().train(mixed_request(2));
  ASSERT_TRUE(here.ok) << here.error;
  std::string a = temp_path("weights_a.bin"), b = temp_path("weights_b.bin");
  for (const std::string& path : {a, b}) {
    std::string command = std::string(MLF_TORCH_HELPER) + " 2 " + path;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  std::string bytes_a = file_bytes(a);
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_EQ(bytes_a, file_bytes(b));
  EXPECT_EQ(bytes_a, weight_bytes(here.weights));
}

TEST(TorchBackend, EachThreadCountIsReproducible) {
  std::string one[2], two[2];
  for (int run = 0; run < 2; ++run) {
    TrainResult single = backend().train(mixed_request(1));
    ASSERT_TRUE(single.ok) << single.error;
    one[run] = weight_bytes(single.weights);
    TrainResult dual = backend().train(mixed_request(2));
    ASSERT_TRUE(dual.ok) << dual.error;
    two[run] = weight_bytes(dual.weights);
  }
  EXPECT_EQ(one[0], one[1]);
  EXPECT_EQ(two[0], two[1]);
  // The thread count is per request, whichever thread calls the backend.
  std::string elsewhere;
  std::thread caller([&] {
    TrainResult result = backend().train(mixed_request(1));
    if (result.ok) elsewhere = weight_bytes(result.weights);
  });
  caller.join();
  EXPECT_EQ(elsewhere, one[0]);
  // Allowed to differ (the thread count is part of the recorded environment).
  RecordProperty("threads_1_vs_2", one[0] == two[0] ? "identical" : "different");
}

TEST(TorchBackend, BatchNormBuffersComeBackAsFloats) {
  TrainResult result = backend().train(mixed_request(1));
  ASSERT_TRUE(result.ok) << result.error;
  std::vector<std::string> expected = {
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
      "1.num_batches_tracked", "5.weight", "5.bias", "8.weight", "8.bias"};
  EXPECT_EQ(names(result.weights), expected);
  const NamedTensor* tracked = find(result.weights, "1.num_batches_tracked");
  ASSERT_NE(tracked, nullptr);
  EXPECT_TRUE(tracked->shape.empty());
  ASSERT_EQ(tracked->values.size(), 1u);
  EXPECT_EQ(tracked->values[0], 2.0f * 9.0f);  // 2 epochs of ceil(200 / 24) batches
  const NamedTensor* mean = find(result.weights, "1.running_mean");
  ASSERT_NE(mean, nullptr);
  EXPECT_EQ(mean->shape, (std::vector<std::int64_t>{6}));

  // batch_norm on [features] is the 1-d form.
  TrainRequest flat;
  flat.layers = {op("linear", {{"out", "4"}}), op("batch_norm"), op("tanh"), op("sigmoid"),
                 op("linear", {{"out", "2"}})};
  flat.input_shape = {3};
  flat.loss = op("mse");
  flat.optimizer = op("adamw", {{"lr", "0.01"}});
  flat.batch = 5;
  flat.epoch_data = [](int) { return two_clouds(20, 3, 3); };
  TrainResult flat_result = backend().train(flat);
  ASSERT_TRUE(flat_result.ok) << flat_result.error;
  EXPECT_EQ(find(flat_result.weights, "1.running_var")->shape, (std::vector<std::int64_t>{4}));
}

TEST(TorchBackend, ResidualAddsItsInput) {
  std::vector<BackendOp> layers = {
      op("residual", {}, {op("linear", {{"out", "4"}, {"in", "4"}}), op("relu"),
                          op("linear", {{"out", "4"}})})};
  std::vector<float> x = {1, -2, 3, -4, 0.5f, 0.25f, -0.125f, 8};
  EvaluateRequest request;
  request.layers = layers;
  request.input_shape = {4};
  request.x = samples({2, 4}, x);
  request.loss = op("cross_entropy");
  request.weights = {tensor("0.body.0.weight", {4, 4}, identity(4)),
                     tensor("0.body.0.bias", {4}, {0, 0, 0, 0}),
                     tensor("0.body.2.weight", {4, 4}, identity(4, 2.0f)),
                     tensor("0.body.2.bias", {4}, {0, 0, 0, 1})};
  EvaluateResult result = backend().evaluate(request);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.logits.values.size(), 8u);
  for (std::size_t i = 0; i < x.size(); ++i) {
    float expected = x[i] + 2.0f * std::max(x[i], 0.0f) + (i % 4 == 3 ? 1.0f : 0.0f);
    EXPECT_FLOAT_EQ(result.logits.values[i], expected) << i;
  }
  EXPECT_TRUE(result.losses.empty());  // no labels given

  // The inner layers must keep the shape.
  TrainRequest bad;
  bad.layers = {op("residual", {}, {op("linear", {{"out", "3"}})})};
  bad.input_shape = {4};
  bad.loss = op("cross_entropy");
  bad.optimizer = op("sgd", {{"lr", "0.1"}});
  bad.epoch_data = [](int) { return two_clouds(4, 4, 1); };
  TrainResult failed = backend().train(bad);
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("residual"), std::string::npos) << failed.error;

  // And it trains.
  TrainRequest trained;
  trained.layers = {op("linear", {{"out", "8"}}), op("residual", {}, {op("linear", {{"out", "8"}}), op("gelu")}),
                    op("linear", {{"out", "2"}})};
  trained.input_shape = {4};
  trained.loss = op("cross_entropy");
  trained.optimizer = op("sgd", {{"lr", "0.1"}});
  trained.batch = 16;
  trained.epoch_data = [](int) { return two_clouds(64, 4, 2); };
  TrainResult ok = backend().train(trained);
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_NE(find(ok.weights, "1.body.0.weight"), nullptr)
      << ::testing::PrintToString(names(ok.weights));
}

// A bias-only model (zero input through linear) learns the target distribution itself.
std::vector<float> learned_softmax(const BackendOp& loss, std::function<EpochData(int)> data) {
  TrainRequest request;
  request.layers = {op("linear", {{"out", "2"}})};
  request.input_shape = {1};
  request.loss = loss;
  request.optimizer = op("sgd", {{"lr", "1.0"}});
  request.epochs = 300;
  request.batch = 8;
  request.shuffle = false;
  request.epoch_data = std::move(data);
  TrainResult result = backend().train(request);
  EXPECT_TRUE(result.ok) << result.error;
  const NamedTensor* bias = find(result.weights, "0.bias");
  if (!bias) return {};
  double a = bias->values[0], b = bias->values[1];
  double m = std::max(a, b);
  double ea = std::exp(a - m), eb = std::exp(b - m);
  return {static_cast<float>(ea / (ea + eb)), static_cast<float>(eb / (ea + eb))};
}

EpochData zeros(int n) {
  EpochData data;
  data.x = samples({n, 1}, std::vector<float>(static_cast<std::size_t>(n), 0.0f));
  return data;
}

TEST(TorchBackend, CrossEntropyTakesSoftLabelsAndLabelSmoothing) {
  auto soft = learned_softmax(op("cross_entropy"), [](int) {
    EpochData data = zeros(8);
    data.soft = samples({8, 2}, {});
    for (int i = 0; i < 8; ++i) data.soft.values.insert(data.soft.values.end(), {0.7f, 0.3f});
    return data;
  });
  ASSERT_EQ(soft.size(), 2u);
  EXPECT_NEAR(soft[0], 0.7f, 1e-3);

  // All labels 0 with smoothing 0.2 over 2 classes: the target is [0.9, 0.1].
  auto smoothed = learned_softmax(op("cross_entropy", {{"label_smoothing", "0.2"}}), [](int) {
    EpochData data = zeros(8);
    data.labels.assign(8, 0);
    return data;
  });
  ASSERT_EQ(smoothed.size(), 2u);
  EXPECT_NEAR(smoothed[0], 0.9f, 1e-3);

  // Soft one-hot rows train like the class indices they encode.
  auto hard = [](bool as_soft) {
    TrainRequest request = mixed_request(1);
    request.layers.erase(request.layers.begin() + 7);  // no dropout: same random draws
    request.epoch_data = [as_soft](int epoch) {
      EpochData data = random_images(200, {2, 12, 12}, 3, 1000 + static_cast<std::uint64_t>(epoch));
      if (as_soft) {
        data.soft = samples({200, 3}, std::vector<float>(600, 0.0f));
        for (int i = 0; i < 200; ++i) data.soft.values[static_cast<std::size_t>(i * 3 + data.labels[i])] = 1.0f;
        data.labels.clear();
      }
      return data;
    };
    TrainResult result = backend().train(request);
    EXPECT_TRUE(result.ok) << result.error;
    return result;
  };
  TrainResult by_index = hard(false), by_row = hard(true);
  ASSERT_EQ(by_index.weights.size(), by_row.weights.size());
  for (std::size_t t = 0; t < by_index.weights.size(); ++t)
    for (std::size_t i = 0; i < by_index.weights[t].values.size(); ++i)
      ASSERT_NEAR(by_index.weights[t].values[i], by_row.weights[t].values[i], 1e-4)
          << by_index.weights[t].name;
}

TEST(TorchBackend, EvaluateGivesLogitsPredictionsAndPerSampleLosses) {
  // logits = x through an identity linear layer.
  std::vector<float> x;
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 10; ++i) {
    for (int k = 0; k < 3; ++k) x.push_back(normal(77, static_cast<std::uint64_t>(i * 3 + k)) * 2.0f);
    labels.push_back(i % 3);
  }
  auto run = [&](const BackendOp& loss, int batch) {
    EvaluateRequest request;
    request.layers = {op("linear", {{"out", "3"}, {"bias", "false"}})};
    request.input_shape = {3};
    request.weights = {tensor("0.weight", {3, 3}, identity(3))};
    request.x = samples({10, 3}, x);
    request.labels = labels;
    request.classes = 3;
    request.loss = loss;
    request.batch = batch;
    return backend().evaluate(request);
  };
  const double smoothing = 0.1;
  EvaluateResult ce = run(op("cross_entropy", {{"label_smoothing", "0.1"}}), 3);
  ASSERT_TRUE(ce.ok) << ce.error;
  ASSERT_EQ(ce.predictions.size(), 10u);
  ASSERT_EQ(ce.losses.size(), 10u);
  EXPECT_EQ(ce.logits.shape, (std::vector<std::int64_t>{10, 3}));
  EvaluateResult mse = run(op("mse"), 4);
  ASSERT_TRUE(mse.ok) << mse.error;
  for (int i = 0; i < 10; ++i) {
    const float* row = &x[static_cast<std::size_t>(i * 3)];
    for (int k = 0; k < 3; ++k) EXPECT_EQ(ce.logits.values[static_cast<std::size_t>(i * 3 + k)], row[k]);
    EXPECT_EQ(ce.predictions[static_cast<std::size_t>(i)], std::max_element(row, row + 3) - row);
    double m = *std::max_element(row, row + 3), sum = 0;
    for (int k = 0; k < 3; ++k) sum += std::exp(row[k] - m);
    double expected_ce = 0, expected_mse = 0;
    for (int k = 0; k < 3; ++k) {
      double log_p = row[k] - m - std::log(sum);
      double target = (k == labels[static_cast<std::size_t>(i)] ? 1.0 - smoothing : 0.0) + smoothing / 3;
      expected_ce -= target * log_p;
      double one_hot = k == labels[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
      expected_mse += (row[k] - one_hot) * (row[k] - one_hot) / 3;
    }
    EXPECT_NEAR(ce.losses[static_cast<std::size_t>(i)], expected_ce, 1e-5) << i;
    EXPECT_NEAR(mse.losses[static_cast<std::size_t>(i)], expected_mse, 1e-5) << i;
  }
}

TEST(TorchBackend, ExportWritesALoadableModule) {
  TrainRequest request = mixed_request(1);
  TrainResult trained = backend().train(request);
  ASSERT_TRUE(trained.ok) << trained.error;
  // The archive's entries are named after the file's stem: compare two files of one name.
  std::string path = temp_path("model.pt");
  std::filesystem::create_directories(temp_path("again"));
  std::string again = temp_path("again/model.pt");
  std::string error;
  ASSERT_TRUE(backend().export_model(request.layers, request.input_shape, trained.weights, path, error))
      << error;
  ASSERT_TRUE(backend().export_model(request.layers, request.input_shape, trained.weights, again, error))
      << error;
  EXPECT_EQ(file_bytes(path), file_bytes(again));  // no timestamps in the archive

  torch::jit::Module module = torch::jit::load(path);
  std::map<std::string, torch::Tensor> loaded;
  for (const auto& parameter : module.named_parameters()) loaded[parameter.name] = parameter.value;
  for (const auto& buffer : module.named_buffers()) loaded[buffer.name] = buffer.value;
  ASSERT_EQ(loaded.size(), trained.weights.size());
  for (const NamedTensor& weight : trained.weights) {
    ASSERT_EQ(loaded.count(weight.name), 1u) << weight.name;
    torch::Tensor value = loaded[weight.name].to(torch::kFloat32).contiguous();
    ASSERT_EQ(std::vector<std::int64_t>(value.sizes().begin(), value.sizes().end()), weight.shape);
    EXPECT_EQ(std::memcmp(value.data_ptr<float>(), weight.values.data(), weight.values.size() * sizeof(float)), 0)
        << weight.name;
  }

  // torch::load into the same network written by hand.
  namespace nn = torch::nn;
  nn::Sequential by_hand(nn::Conv2d(nn::Conv2dOptions(2, 6, 3).padding(1)), nn::BatchNorm2d(6),
                         nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(216, 32),
                         nn::GELU(), nn::Dropout(0.25), nn::Linear(32, 3));
  torch::load(by_hand, path);
  auto state = by_hand->named_parameters();
  ASSERT_EQ(state.size(), 8u);
  for (const auto& item : state) {
    const NamedTensor* weight = find(trained.weights, item.key());
    ASSERT_NE(weight, nullptr) << item.key();
    EXPECT_EQ(std::memcmp(item.value().contiguous().data_ptr<float>(), weight->values.data(),
                          weight->values.size() * sizeof(float)),
              0)
        << item.key();
  }
  EXPECT_EQ(by_hand->named_buffers()["1.num_batches_tracked"].item<std::int64_t>(), 18);

  // Residual blocks are nested modules in the archive.
  std::vector<BackendOp> residual = {
      op("residual", {}, {op("linear", {{"out", "3"}}), op("relu")}), op("linear", {{"out", "2"}})};
  std::vector<NamedTensor> residual_weights = {
      tensor("0.body.0.weight", {3, 3}, identity(3)), tensor("0.body.0.bias", {3}, {1, 2, 3}),
      tensor("1.weight", {2, 3}, {1, 0, 0, 0, 1, 0}), tensor("1.bias", {2}, {0, 0})};
  std::string residual_path = temp_path("residual.pt");
  ASSERT_TRUE(backend().export_model(residual, {3}, residual_weights, residual_path, error)) << error;
  torch::jit::Module nested = torch::jit::load(residual_path);
  std::map<std::string, torch::Tensor> nested_parameters;
  for (const auto& parameter : nested.named_parameters()) nested_parameters[parameter.name] = parameter.value;
  ASSERT_EQ(nested_parameters.count("0.body.0.bias"), 1u);
  EXPECT_EQ(nested_parameters["0.body.0.bias"][2].item<float>(), 3.0f);

  // Weights that do not fit the model are refused.
  std::vector<NamedTensor> wrong = trained.weights;
  wrong.pop_back();
  EXPECT_FALSE(backend().export_model(request.layers, request.input_shape, wrong, temp_path("bad.pt"), error));
  EXPECT_FALSE(error.empty());
}

TEST(TorchBackend, ReportsProgressAndHonoursCancellation) {
  TrainRequest request = mixed_request(1);
  request.batch = 2;  // 100 batches an epoch
  std::vector<Progress> reports;
  request.progress = [&](const Progress& progress) { reports.push_back(progress); };
  TrainResult result = backend().train(request);
  ASSERT_TRUE(result.ok) << result.error;
  // One report after every batch of both epochs.
  ASSERT_EQ(reports.size(), 200u);
  EXPECT_EQ(reports[0].batch, 1);
  EXPECT_EQ(reports[49].batch, 50);
  EXPECT_EQ(reports[99].batch, 100);
  EXPECT_EQ(reports[99].batches, 100);
  EXPECT_EQ(reports[100].epoch, 1);
  EXPECT_EQ(reports[100].batch, 1);
  EXPECT_EQ(reports[199].epoch, 1);
  EXPECT_EQ(reports[199].epochs, 2);
  EXPECT_GT(reports[199].samples_per_second, 0.0);
  EXPECT_NEAR(reports[99].loss, result.log[0].loss, 1e-12);

  int polls = 0;
  request.progress = nullptr;
  request.cancelled = [&] { return ++polls > 10; };
  TrainResult cancelled = backend().train(request);
  EXPECT_FALSE(cancelled.ok);
  EXPECT_NE(cancelled.error.find("cancelled"), std::string::npos) << cancelled.error;
  EXPECT_LT(polls, 20);
}

TEST(TorchBackend, SchedulesSetTheRatePerEpoch) {
  auto rates = [](BackendOp schedule) {
    TrainRequest request;
    request.layers = {op("linear", {{"out", "2"}})};
    request.input_shape = {3};
    request.loss = op("cross_entropy");
    request.optimizer = op("sgd", {{"lr", "0.1"}});
    request.has_schedule = true;
    request.schedule = std::move(schedule);
    request.epochs = 5;
    request.epoch_data = [](int) { return two_clouds(8, 3, 4); };
    TrainResult result = backend().train(request);
    EXPECT_TRUE(result.ok) << result.error;
    std::vector<double> out;
    for (const auto& log : result.log) out.push_back(log.learning_rate);
    return out;
  };
  auto step = rates(op("step", {{"every", "2"}, {"gamma", "0.5"}}));
  std::vector<double> expected_step = {0.1, 0.1, 0.05, 0.05, 0.025};
  ASSERT_EQ(step.size(), 5u);
  for (int e = 0; e < 5; ++e) EXPECT_NEAR(step[e], expected_step[e], 1e-12) << e;
  auto cosine = rates(op("cosine", {{"min_lr", "0.01"}, {"warmup", "1"}}));
  std::vector<double> expected_cosine = {0.05, 0.1, 0.0775, 0.0325, 0.01};
  ASSERT_EQ(cosine.size(), 5u);
  for (int e = 0; e < 5; ++e) EXPECT_NEAR(cosine[e], expected_cosine[e], 1e-12) << e;
}

TEST(TorchBackend, ReportsErrorsInsteadOfThrowing) {
  TrainRequest request = mixed_request(1);
  request.layers.push_back(op("softmax_of_doom"));
  TrainResult unknown = backend().train(request);
  EXPECT_FALSE(unknown.ok);
  EXPECT_NE(unknown.error.find("softmax_of_doom"), std::string::npos) << unknown.error;

  request = mixed_request(1);
  request.layers[5].args["in"] = "100";  // the input gives 6 · 6 · 6 = 216
  TrainResult stated = backend().train(request);
  EXPECT_FALSE(stated.ok);
  EXPECT_NE(stated.error.find("216"), std::string::npos) << stated.error;

  request = mixed_request(1);
  request.epoch_data = [](int) {
    EpochData data = random_images(10, {2, 12, 12}, 3, 1);
    data.labels[3] = 7;
    return data;
  };
  TrainResult label = backend().train(request);
  EXPECT_FALSE(label.ok);
  EXPECT_NE(label.error.find("label 7"), std::string::npos) << label.error;

  request = mixed_request(1);
  request.epoch_data = [](int) { return random_images(10, {2, 12, 11}, 3, 1); };
  TrainResult shape = backend().train(request);
  EXPECT_FALSE(shape.ok);
  EXPECT_NE(shape.error.find("shape"), std::string::npos) << shape.error;

  request = mixed_request(1);
  request.optimizer = op("adam", {{"lr", "fast"}});
  TrainResult argument = backend().train(request);
  EXPECT_FALSE(argument.ok);
  EXPECT_NE(argument.error.find("lr"), std::string::npos) << argument.error;
}

// The brief's CNN on 60000 random 28×28 samples, batch 128, Adam, 2 threads: one epoch.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*CnnEpochTime*'.
TEST(TorchBackend, DISABLED_CnnEpochTime) {
  TrainRequest request;
  request.layers = cnn_layers();
  request.input_shape = {1, 28, 28};
  request.loss = op("cross_entropy");
  request.optimizer = op("adam", {{"lr", "0.001"}});
  request.epochs = 1;
  request.batch = 128;
  // MLF_TORCH_TIMING_SAMPLES and MLF_TORCH_TIMING_THREADS change the defaults (60000, 2).
  request.threads = static_cast<int>(env_number("MLF_TORCH_TIMING_THREADS", 2));
  EpochData data = random_images(env_number("MLF_TORCH_TIMING_SAMPLES", 60000), {1, 28, 28}, 10, 42);
  request.epoch_data = [&](int) { return data; };
  request.progress = [](const Progress& progress) {
    if (progress.batch % 100 == 0 || progress.batch == progress.batches)
      std::cout << "batch " << progress.batch << "/" << progress.batches << " loss " << progress.loss
                << " " << progress.samples_per_second << " samples/s" << std::endl;
  };
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  TrainResult result = backend().train(request);
  double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok) << result.error;
  std::cout << "epoch " << result.log[0].seconds << " s (train call " << total << " s, " << cpu
            << " s of CPU time)" << std::endl;
  RecordProperty("cpu_seconds", std::to_string(cpu));
  RecordProperty("epoch_seconds", std::to_string(result.log[0].seconds));
}

}  // namespace
}  // namespace mlf::torch_test
