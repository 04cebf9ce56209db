// Trains the fixture's mixed request in a fresh process and writes its weights' bytes, so
// the tests can compare training across processes.
//
//   mlf_torch_determinism_helper THREADS OUTPUT

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/torch/backend_fixture.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s THREADS OUTPUT\n", argv[0]);
    return 2;
  }
  auto result = mlf::torch_test::backend().train(mlf::torch_test::mixed_request(std::atoi(argv[1])));
  if (!result.ok) {
    std::fprintf(stderr, "training failed: %s\n", result.error.c_str());
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out << mlf::torch_test::weight_bytes(result.weights);
  return out.good() ? 0 : 1;
}
