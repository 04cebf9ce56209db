// bench/torch_loop.cpp — the hand-written LibTorch training loop bench/runtime.sh compares
// `mlf run` with: the CNN of examples/fashion/fashion.mlflow, trained for one epoch on the
// first N Fashion-MNIST training images, the way anyone would write it by hand.
//
//   torch_loop IMAGES.gz LABELS.gz N THREADS [EPOCHS]
//
// Same work as mlf's train stage: the images scaled to [0, 1] and normalised with mean
// 0.286 and std 0.353 (the example's `prep`), the model built after torch::manual_seed with
// LibTorch's default initialisation, Adam (lr 1e-3), batch 128, a new random order every
// epoch, the mean cross-entropy of each batch, the last partial batch kept. Intra-op threads
// (LibTorch's and OpenBLAS's, through OMP_NUM_THREADS/OPENBLAS_NUM_THREADS set by the
// script) are THREADS; inter-op threads 1, as in mlf.
// Prints `load_seconds`, `train_seconds` (model construction + the epochs) and `loss` lines.
#include <torch/torch.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::string read_gzip(const char* path) {
  gzFile gz = gzopen(path, "rb");
  if (!gz) throw std::runtime_error(std::string("cannot open ") + path);
  std::string bytes;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(gz, buffer, sizeof buffer)) > 0) bytes.append(buffer, static_cast<std::size_t>(n));
  gzclose(gz);
  if (n < 0) throw std::runtime_error(std::string("cannot read ") + path);
  return bytes;
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  return (std::uint32_t(std::uint8_t(bytes[at])) << 24) | (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) | std::uint32_t(std::uint8_t(bytes[at + 3]));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: torch_loop IMAGES.gz LABELS.gz N THREADS [EPOCHS]\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const std::int64_t n_wanted = std::atoll(argv[3]);
  const int threads = std::atoi(argv[4]);
  const int epochs = argc > 5 ? std::atoi(argv[5]) : 1;
  const std::int64_t batch = 128;
  at::set_num_interop_threads(1);
  torch::set_num_threads(threads);

  auto load_start = Clock::now();
  std::string images = read_gzip(argv[1]);
  std::string labels = read_gzip(argv[2]);
  const std::int64_t count = big_endian(images, 4), rows = big_endian(images, 8), cols = big_endian(images, 12);
  const std::int64_t n = std::min(n_wanted, count);
  torch::Tensor x = torch::from_blob(images.data() + 16, {n, 1, rows, cols}, torch::kUInt8)
                        .to(torch::kFloat32)
                        .mul_(1.0f / 255.0f)
                        .sub_(0.286f)
                        .div_(0.353f);
  torch::Tensor y = torch::from_blob(labels.data() + 8, {n}, torch::kUInt8).to(torch::kInt64);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();

  auto train_start = Clock::now();
  torch::manual_seed(42);
  torch::nn::Sequential net(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).padding(1)), torch::nn::ReLU(),
      torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)), torch::nn::ReLU(),
      torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)), torch::nn::Flatten(),
      torch::nn::Linear(64 * (rows / 4) * (cols / 4), 128), torch::nn::ReLU(), torch::nn::Dropout(0.25),
      torch::nn::Linear(128, 10));
  net->train();
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
  double loss_sum = 0.0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    torch::Tensor order = torch::randperm(n, torch::kInt64);
    loss_sum = 0.0;
    for (std::int64_t start = 0; start < n; start += batch) {
      const std::int64_t end = std::min(n, start + batch);
      torch::Tensor index = order.slice(0, start, end);
      optimizer.zero_grad();
      torch::Tensor loss =
          torch::nn::functional::cross_entropy(net->forward(x.index_select(0, index)), y.index_select(0, index));
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * static_cast<double>(end - start);
    }
  }
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  std::printf("load_seconds %.6f\ntrain_seconds %.6f\nloss %.6f\nsamples %lld\nthreads %d\n", load_seconds,
              train_seconds, loss_sum / static_cast<double>(n), static_cast<long long>(n), torch::get_num_threads());
  return 0;
}
