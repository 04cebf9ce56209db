// Heap set-up for the front-end commands (check, build, graph).
//
// Why: checking a large pipeline allocates tens of thousands of small objects (ANTLR makes
// one per token and per tree node); with 4 KiB pages a third of `mlf check`'s time on a
// 1000-stage file went into page faults and heap growth. Reserving the heap in one step and
// asking the kernel for transparent huge pages on it (what glibc's `malloc.hugetlb=1`
// tunable does, without needing an environment variable) cuts that to a few faults.
// Promises: only advice — if the kernel or libc refuse, nothing changes but speed.
#pragma once

#include <cstddef>

namespace mlf::driver {

void reserve_heap_with_huge_pages(std::size_t bytes);

}  // namespace mlf::driver
