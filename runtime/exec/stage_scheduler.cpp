#include "runtime/exec/stage_scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

namespace mlf::runtime {

namespace {

class Scheduler {
 public:
  Scheduler(std::size_t count, const std::vector<std::vector<std::size_t>>& waits_for,
            const std::function<void(std::size_t)>& work)
      : work_(work), pending_(count, 0), dependents_(count) {
    for (std::size_t task = 0; task < count; ++task) {
      if (task < waits_for.size())
        for (std::size_t dependency : waits_for[task]) {
          if (dependency >= count || dependency == task) continue;
          ++pending_[task];
          dependents_[dependency].push_back(task);
        }
      if (pending_[task] == 0) ready_.insert(task);
    }
  }

  void work_until_done() {
    std::unique_lock lock(mutex_);
    while (true) {
      // Nothing ready and nothing running: all done, or the rest wait on a cycle and never can.
      changed_.wait(lock, [&] { return !ready_.empty() || running_ == 0; });
      if (ready_.empty()) {
        changed_.notify_all();
        return;
      }
      std::size_t task = *ready_.begin();
      ready_.erase(ready_.begin());
      ++running_;
      lock.unlock();
      try {
        work_(task);
      } catch (...) {
        std::lock_guard guard(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      lock.lock();
      --running_;
      for (std::size_t dependent : dependents_[task])
        if (--pending_[dependent] == 0) ready_.insert(dependent);
      changed_.notify_all();
    }
  }

  void rethrow_failure() {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  const std::function<void(std::size_t)>& work_;
  std::vector<std::size_t> pending_;                 // unfinished dependencies per task
  std::vector<std::vector<std::size_t>> dependents_;
  std::set<std::size_t> ready_;                      // ordered: the lowest index goes first
  std::size_t running_ = 0;
  std::exception_ptr failure_;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace

void run_scheduled(std::size_t count, const std::vector<std::vector<std::size_t>>& waits_for,
                   int jobs, const std::function<void(std::size_t task)>& work) {
  Scheduler scheduler(count, waits_for, work);
  std::size_t helpers = count == 0 ? 0 : std::min<std::size_t>(std::max(jobs, 1) - 1, count - 1);
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (std::size_t i = 0; i < helpers; ++i)
    threads.emplace_back([&scheduler] { scheduler.work_until_done(); });
  scheduler.work_until_done();
  for (auto& thread : threads) thread.join();
  scheduler.rethrow_failure();
}

}  // namespace mlf::runtime
