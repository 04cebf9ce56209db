// EpochPrefetch: take(e) gives what produce(e) makes, made ahead on another thread or not,
// each epoch made once; failures reach the epoch that failed.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "runtime/exec/epoch_prefetch.h"

namespace mlf::runtime {
namespace {

// Epoch e's data: values that name the epoch, so a mix-up shows.
EpochData epoch_data_of(int epoch) {
  EpochData out;
  out.x.shape = {3, 2};
  for (int k = 0; k < 6; ++k) out.x.values.push_back(static_cast<float>(epoch * 100 + k));
  out.labels = {epoch, epoch + 1, epoch + 2};
  return out;
}

struct Calls {
  std::mutex mutex;
  std::map<int, int> count;
  std::map<int, std::thread::id> thread;
};

EpochPrefetch::Produce recording(Calls& calls) {
  return [&calls](int epoch) {
    std::lock_guard<std::mutex> hold(calls.mutex);
    ++calls.count[epoch];
    calls.thread[epoch] = std::this_thread::get_id();
    return epoch_data_of(epoch);
  };
}

void expect_same(const EpochData& a, const EpochData& b) {
  EXPECT_EQ(a.x.shape, b.x.shape);
  EXPECT_EQ(a.x.values, b.x.values);
  EXPECT_EQ(a.labels, b.labels);
}

TEST(EpochPrefetch, AheadOrNotEveryEpochIsWhatProduceMakesOnce) {
  for (bool ahead : {false, true}) {
    Calls calls;
    {
      EpochPrefetch prefetch(recording(calls), 4, ahead);
      for (int epoch = 0; epoch < 4; ++epoch) expect_same(prefetch.take(epoch), epoch_data_of(epoch));
      EXPECT_GE(prefetch.waited_seconds(), 0.0);
    }
    ASSERT_EQ(calls.count.size(), 4u) << "ahead " << ahead;  // no epoch past the last
    for (const auto& [epoch, n] : calls.count) EXPECT_EQ(n, 1) << "epoch " << epoch;
    // Epoch 0 is made by the caller; later epochs by another thread only when made ahead.
    EXPECT_EQ(calls.thread[0], std::this_thread::get_id());
    for (int epoch = 1; epoch < 4; ++epoch)
      EXPECT_EQ(calls.thread[epoch] == std::this_thread::get_id(), !ahead) << "epoch " << epoch;
  }
}

TEST(EpochPrefetch, StartMakesTheFirstEpochBeforeItIsAskedFor) {
  for (bool ahead : {false, true}) {
    Calls calls;
    {
      EpochPrefetch prefetch(recording(calls), 2, ahead);
      prefetch.start(0);
      prefetch.start(0);  // already being made: not made twice
      for (int epoch = 0; epoch < 2; ++epoch) expect_same(prefetch.take(epoch), epoch_data_of(epoch));
    }
    EXPECT_EQ(calls.count[0], 1);
    EXPECT_EQ(calls.count[1], 1);
    EXPECT_EQ(calls.thread[0] == std::this_thread::get_id(), !ahead) << "ahead " << ahead;
  }
}

TEST(EpochPrefetch, AnEpochAskedOutOfOrderIsMadeThen) {
  Calls calls;
  EpochPrefetch prefetch(recording(calls), 10, true);
  expect_same(prefetch.take(0), epoch_data_of(0));
  expect_same(prefetch.take(5), epoch_data_of(5));  // epoch 1 was made ahead for nothing
  expect_same(prefetch.take(6), epoch_data_of(6));
}

TEST(EpochPrefetch, AFailureReachesTheEpochThatFailed) {
  EpochPrefetch prefetch(
      [](int epoch) {
        if (epoch == 2) throw std::runtime_error("epoch 2 failed");
        return epoch_data_of(epoch);
      },
      3, true);
  expect_same(prefetch.take(0), epoch_data_of(0));
  expect_same(prefetch.take(1), epoch_data_of(1));
  EXPECT_THROW(prefetch.take(2), std::runtime_error);
}

TEST(EpochPrefetch, StoppingEarlyWaitsForTheEpochBeingMade) {
  Calls calls;
  {
    EpochPrefetch prefetch(recording(calls), 5, true);
    prefetch.take(0);
  }  // epoch 1 may still be in the making here: the destructor waits for it
  std::lock_guard<std::mutex> hold(calls.mutex);
  EXPECT_EQ(calls.count[1], 1);
}

}  // namespace
}  // namespace mlf::runtime
