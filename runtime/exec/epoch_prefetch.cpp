#include "runtime/exec/epoch_prefetch.h"

#include <chrono>

namespace mlf::runtime {

EpochPrefetch::EpochPrefetch(Produce produce, int epochs, bool ahead)
    : produce_(std::move(produce)), epochs_(epochs), ahead_(ahead) {}

EpochPrefetch::~EpochPrefetch() {
  if (pending_.valid()) pending_.wait();
}

void EpochPrefetch::start(int epoch) {
  if (!ahead_ || pending_.valid() || epoch < 0 || epoch >= epochs_) return;
  pending_epoch_ = epoch;
  pending_ = std::async(std::launch::async, produce_, epoch);
}

EpochData EpochPrefetch::take(int epoch) {
  const auto asked = std::chrono::steady_clock::now();
  EpochData out;
  if (pending_epoch_ == epoch && pending_.valid()) {
    pending_epoch_.reset();
    out = pending_.get();  // rethrows what produce threw
  } else {
    // Not the epoch made ahead (the first, or a caller out of order): made here. An epoch
    // made ahead for nothing is waited for first, so produce never runs twice at once.
    if (pending_.valid()) pending_.wait();
    pending_ = {};
    pending_epoch_.reset();
    out = produce_(epoch);
  }
  waited_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  start(epoch + 1);
  return out;
}

}  // namespace mlf::runtime
