// Runs the stages of a plan with up to N at once (`mlf run -j N`), respecting their order.
//
// Takes: `count` tasks, for each the tasks it waits for (its dependencies), a number of jobs
// and the work. The executor's dependencies come from a plan, whose node order is
// topological, so a task only ever waits for tasks before it (a task on a cycle never runs).
// Promises: a task starts only after every task it waits for has finished; among the ready
// tasks the lowest index starts first, so with jobs = 1 the tasks run one by one in index
// order on the calling thread (no thread is created); the calling thread is one of the
// workers; returns when every task has run. An exception escaping a task does not stop the
// others: the first one is rethrown on the calling thread once all have finished.
// Does not: decide what a task does when a dependency failed (the work does), or make the
// work thread-safe: tasks may run at the same time as any task they do not wait for.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace mlf::runtime {

void run_scheduled(std::size_t count, const std::vector<std::vector<std::size_t>>& waits_for,
                   int jobs, const std::function<void(std::size_t task)>& work);

}  // namespace mlf::runtime
