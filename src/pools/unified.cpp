// The unified policy (queued for Linux 7.3): one per-pipe pool of up to `max` pages
// (PIPE_PREALLOC_MAX, PoolSizes::max) and no tmp_page. A write tops the pool up outside the
// mutex; every read and write trims it back to `keep` pages (PIPE_PREALLOC_KEEP), freeing the
// surplus after unlock.
//
// Invariants: a prefill allocates at most what the write can fill minus what the pool already
// holds; the pool never holds more than `max` pages; after trim_locked it holds at most `keep`.
//
// Counting: every page popped from the pool is a pool hit, including pages this write's prefill
// just pushed there (they are indistinguishable once pooled, as in the kernel).
#include <array>
#include <memory>
#include <string_view>
#include <utility>

#include "pools/policies.hpp"

namespace pipepool::pools {
namespace {

class UnifiedPool final : public PagePool {
 public:
  UnifiedPool(std::shared_ptr<PageAllocator> allocator, const PoolSizes& sizes) noexcept
      : PagePool(std::move(allocator), sizes), keep_(sizes.keep), max_(sizes.max) {}

  // Frees the pooled pages (counted as frees_in_lock, see page_pool.cpp).
  ~UnifiedPool() override {
    while (count_ > 0) free_in_lock(pop());
  }

  [[nodiscard]] std::string_view name() const noexcept override { return "unified"; }

  // Before the mutex: want = min(ceil(len/4096), max); have = the pool's size read without the
  // lock (a racy peek by design: the pool may change before prefill_locked, which copes with
  // either direction). Allocates max(0, want - have) pages, stopping at the first failure.
  void prefill(std::size_t len, PageBatch& burst) noexcept override {
    const std::uint64_t want = burst_pages(len, max_);
    const std::uint64_t have = pool_size();  // relaxed atomic, no lock
    for (std::uint64_t n = want > have ? want - have : 0; n > 0 && !burst.full(); --n) {
      void* page = alloc_outside_lock();
      if (page == nullptr) return;
      burst.push(page);
    }
  }

  // Pushes the burst into the pool while it has room. A surplus (the racy peek saw fewer pages
  // than the pool holds now) is freed at once, so the write does not carry pages it will not use
  // through its copies and waits.
  void prefill_locked(PageBatch& burst) noexcept override {
    while (!burst.empty() && count_ < max_) push(burst.pop());
    while (!burst.empty()) free_in_lock(burst.pop());
  }

  // Pops from the pool (a hit), else allocates under the mutex. The burst is empty after
  // prefill_locked.
  [[nodiscard]] void* get_page(PageBatch& /*burst*/) noexcept override {
    if (count_ > 0) {
      count_hit();
      return pop();
    }
    return alloc_in_lock();
  }

  void put_page(void* page) noexcept override {
    if (page == nullptr) return;
    if (count_ < max_) {
      push(page);
    } else {
      free_in_lock(page);
    }
  }

  // The pool's pages above `keep` go to `spare` (the burst is already empty).
  void trim_locked(PageBatch& burst, PageBatch& spare) noexcept override {
    PagePool::trim_locked(burst, spare);
    while (count_ > keep_) {
      void* page = pop();
      if (spare.full()) {
        free_in_lock(page);  // unreachable: max - keep < PageBatch capacity; never leak
      } else {
        spare.push(page);
      }
    }
  }

 private:
  void push(void* page) noexcept {
    pages_[count_++] = page;
    set_pool_size(count_);
  }
  [[nodiscard]] void* pop() noexcept {
    void* page = pages_[--count_];
    pages_[count_] = nullptr;
    set_pool_size(count_);
    return page;
  }

  // Guarded by the pipe mutex; pool_size() mirrors count_ for the lock-free peek.
  std::array<void*, kPoolSizeLimit> pages_{};
  unsigned count_ = 0;
  const unsigned keep_;
  const unsigned max_;
};

}  // namespace

std::unique_ptr<PagePool> make_unified_pool(std::shared_ptr<PageAllocator> allocator,
                                            const PoolSizes& sizes) {
  return std::make_unique<UnifiedPool>(std::move(allocator), sizes);
}

}  // namespace pipepool::pools
