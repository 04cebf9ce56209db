// A project folder for the front-end fuzzer, made once per process in the temporary folder
// and removed at exit: small data files of every reader kind, so that fuzz inputs naming
// them (the seed corpus does, by relative path) are checked all the way through models and
// stages, while each check reads a few kilobytes, not a real data set.
//
// Files, relative to root():
//   data/iris.csv                        a header and 12 rows: 4 features, 3 named classes
//   data/train-images-idx3-ubyte.gz      64 u8 images 28×28, gzipped
//   data/train-labels-idx1-ubyte.gz      64 u8 labels, classes 0–9, gzipped
//   data/t10k-images-idx3-ubyte          16 u8 images 28×28, raw
//   data/t10k-labels-idx1-ubyte          16 u8 labels, classes 0–9, raw
//   data/x.npy, data/y.npy               16 f32 samples [4], and their i64 labels 0–2
//   data/shapes/{circle,square}/*.png    8-bit RGB 32×32 PNG headers, two per class
// Throws std::runtime_error when the folder cannot be made.
#pragma once

#include <string>

namespace mlf::fuzz {

class ScratchProject {
 public:
  ScratchProject();
  ~ScratchProject();
  ScratchProject(const ScratchProject&) = delete;
  ScratchProject& operator=(const ScratchProject&) = delete;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace mlf::fuzz
