// Training's data, one epoch ahead: while epoch e trains, epoch e+1's augmented samples are
// made on a background thread, so training waits on augmentation only when making an epoch
// takes longer than training one.
//
// Takes: a function that makes epoch e's data (EpochData, training_backend.h) and the
// number of epochs.
// Promises: take(e) returns exactly what produce(e) returns, whatever the timing: produce is
// called once per epoch with no other input, and augment chains draw their random values by
// (stream, epoch, sample), so which thread makes an epoch and when cannot change its bytes.
// take(e) is called with e = 0, 1, 2, … by one thread (the backend's epoch loop); it then
// starts epoch e+1 (when e+1 < epochs), so at most one epoch is made ahead and memory holds
// at most two epochs. start(0) may make the first epoch before training asks for it. An exception from produce is rethrown by take for that epoch. With
// `ahead` false every epoch is made inside take(): the sequential behaviour, for comparison.
// waited_seconds() is the total time take() blocked: the time training waited on data.
// The destructor waits for an epoch still being made (training stopped early).
// Does not: make batches ahead within an epoch, or bound produce's own threads.
#pragma once

#include <functional>
#include <future>
#include <optional>

#include "runtime/backend/training_backend.h"

namespace mlf::runtime {

class EpochPrefetch {
 public:
  using Produce = std::function<EpochData(int epoch)>;
  EpochPrefetch(Produce produce, int epochs, bool ahead);
  ~EpochPrefetch();
  EpochPrefetch(const EpochPrefetch&) = delete;
  EpochPrefetch& operator=(const EpochPrefetch&) = delete;

  // Starts making `epoch` now when made ahead and nothing is being made (epoch 0 while the
  // training backend loads, say); take(epoch) then waits for it.
  void start(int epoch);
  EpochData take(int epoch);
  double waited_seconds() const { return waited_; }

 private:
  Produce produce_;
  int epochs_;
  bool ahead_;
  std::optional<int> pending_epoch_;
  std::future<EpochData> pending_;
  double waited_ = 0.0;
};

}  // namespace mlf::runtime
