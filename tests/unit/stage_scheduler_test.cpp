// The stage scheduler of `mlf run -j N`: order, dependencies, real parallelism, failures.
#include "runtime/exec/stage_scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mlf::runtime {
namespace {

// Records the order in which tasks start and finish.
struct Journal {
  std::mutex mutex;
  std::vector<std::size_t> started, finished;
  void start(std::size_t t) {
    std::lock_guard lock(mutex);
    started.push_back(t);
  }
  void finish(std::size_t t) {
    std::lock_guard lock(mutex);
    finished.push_back(t);
  }
  std::size_t position(const std::vector<std::size_t>& list, std::size_t t) {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i] == t) return i;
    return list.size();
  }
};

TEST(StageScheduler, OneJobRunsTasksInIndexOrderOnTheCallingThread) {
  std::vector<std::thread::id> threads;
  std::vector<std::size_t> order;
  // Task 0 waits for task 3: the only thing that may move a task later than its index.
  run_scheduled(5, {{3}, {}, {}, {}, {}}, 1, [&](std::size_t t) {
    order.push_back(t);
    threads.push_back(std::this_thread::get_id());
  });
  EXPECT_EQ(order, (std::vector<std::size_t>{1, 2, 3, 0, 4}));
  for (auto id : threads) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(StageScheduler, ATaskStartsOnlyAfterEverythingItWaitsFor) {
  // Two branches of train → evaluate, and a last task that needs both evaluations.
  std::vector<std::vector<std::size_t>> waits_for = {{}, {}, {0}, {1}, {2, 3}};
  for (int jobs : {1, 2, 3, 8}) {
    Journal journal;
    run_scheduled(waits_for.size(), waits_for, jobs, [&](std::size_t t) {
      journal.start(t);
      std::this_thread::yield();
      journal.finish(t);
    });
    ASSERT_EQ(journal.finished.size(), waits_for.size()) << "jobs " << jobs;
    for (std::size_t t = 0; t < waits_for.size(); ++t)
      for (std::size_t dependency : waits_for[t])
        EXPECT_LT(journal.position(journal.finished, dependency), journal.position(journal.finished, t))
            << "jobs " << jobs << ": task " << t << " finished before " << dependency;
  }
}

TEST(StageScheduler, IndependentTasksRunAtTheSameTime) {
  // Each of two tasks waits until both have started: this finishes only if they overlap.
  // The wait's time limit only keeps a broken scheduler from hanging the suite.
  std::mutex mutex;
  std::condition_variable both;
  int arrived = 0;
  bool overlapped = true;
  run_scheduled(2, {{}, {}}, 2, [&](std::size_t) {
    std::unique_lock lock(mutex);
    ++arrived;
    both.notify_all();
    if (!both.wait_for(lock, std::chrono::seconds(60), [&] { return arrived == 2; })) overlapped = false;
  });
  EXPECT_TRUE(overlapped);
}

TEST(StageScheduler, AnExceptionIsRethrownAfterTheOtherTasksRan) {
  std::vector<int> ran(4, 0);
  EXPECT_THROW(run_scheduled(4, {}, 2,
                             [&](std::size_t t) {
                               ran[t] = 1;
                               if (t == 1) throw std::runtime_error("stage failed");
                             }),
               std::runtime_error);
  EXPECT_EQ(ran, (std::vector<int>{1, 1, 1, 1}));
}

TEST(StageScheduler, TasksOnACycleNeverRunAndDoNotHang) {
  std::vector<int> ran(3, 0);
  run_scheduled(3, {{}, {2}, {1}}, 2, [&](std::size_t t) { ran[t] = 1; });
  EXPECT_EQ(ran, (std::vector<int>{1, 0, 0}));
}

TEST(StageScheduler, NoTasks) {
  bool called = false;
  run_scheduled(0, {}, 4, [&](std::size_t) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace mlf::runtime
