// The prealloc policy (Linux 7.2): legacy's tmp_page plus an on-stack burst that a write of
// more than one page fills before taking the mutex.
//
// Counting: a page taken from the burst is not a pool hit. It was allocated (outside the lock)
// for this very write, so it already shows in allocs_outside_lock; pool_hits counts only pages
// the pipe had kept from earlier reads/writes (tmp_page).
#include <memory>
#include <string_view>
#include <utility>

#include "pools/legacy.hpp"
#include "pools/policies.hpp"

namespace pipepool::pools {
namespace {

class PreallocPool final : public LegacyPool {
 public:
  using LegacyPool::LegacyPool;

  [[nodiscard]] std::string_view name() const noexcept override { return "prealloc"; }

  // A write longer than one page allocates min(ceil(len/4096), max) pages outside the mutex,
  // stopping at the first failure (the write then falls back to tmp_page / allocation in lock).
  void prefill(std::size_t len, PageBatch& burst) noexcept override {
    if (len <= kPageSize) return;
    const unsigned want = burst_pages(len, sizes().max);
    for (unsigned i = 0; i < want && !burst.full(); ++i) {
      void* page = alloc_outside_lock();
      if (page == nullptr) return;
      burst.push(page);
    }
  }

  // Order: the burst, then tmp_page (a hit), then a page allocated under the mutex.
  [[nodiscard]] void* get_page(PageBatch& burst) noexcept override {
    if (!burst.empty()) return burst.pop();
    return LegacyPool::get_page(burst);
  }

  // Burst leftovers refill empty tmp_page slots; the rest go to `spare` and are freed after
  // unlock by release().
  void trim_locked(PageBatch& burst, PageBatch& spare) noexcept override {
    while (!burst.empty()) {
      void* page = burst.pop();
      if (keep(page)) continue;
      if (spare.full()) {
        free_in_lock(page);  // unreachable: a burst holds <= max < PageBatch capacity; never leak
      } else {
        spare.push(page);
      }
    }
  }
};

}  // namespace

std::unique_ptr<PagePool> make_prealloc_pool(std::shared_ptr<PageAllocator> allocator,
                                             const PoolSizes& sizes) {
  return std::make_unique<PreallocPool>(std::move(allocator), sizes);
}

}  // namespace pipepool::pools
