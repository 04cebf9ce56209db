#include "compiler/driver/heap_tuning.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace mlf::driver {

void reserve_heap_with_huge_pages(std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  // Keep big buffers (the token buffer, the plan text) on the heap too, grow the heap by
  // `bytes` at once, and never hand it back to the kernel during this short-lived process.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
  mallopt(M_TOP_PAD, static_cast<int>(bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * bytes));
  void* probe = std::malloc(kHugePage);  // more than the current top: forces the growth
  if (!probe) return;
  auto begin = (reinterpret_cast<std::uintptr_t>(probe) + kHugePage - 1) & ~(kHugePage - 1);
  auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHugePage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(probe);
}

}  // namespace mlf::driver
