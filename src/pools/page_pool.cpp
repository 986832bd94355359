// PagePool base: counted allocation/freeing and the default (no-op) hooks.
//
// Counting rules:
// - allocs_* / frees_* count pages, by whether the pipe mutex is held at the call site; a failed
//   allocation counts only alloc_failures.
// - Pages a policy still keeps when the pool is destroyed are freed by the subclass destructor
//   with free_in_lock(). Destruction has a single owner and no mutex is taken, but neither is it
//   a path that moved work out of a critical section: the kernel frees tmp_page in
//   free_pipe_info() when the last reference goes, with nobody to contend. We count those frees
//   as "in lock" so that frees_outside_lock keeps one meaning: pages a policy deliberately freed
//   after unlock (release()).
#include "pipepool/page_pool.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace pipepool {

PagePool::PagePool(std::shared_ptr<PageAllocator> allocator, const PoolSizes& sizes) noexcept
    : allocator_(std::move(allocator)), sizes_(sizes) {}

PagePool::~PagePool() = default;

void PagePool::prefill(std::size_t /*len*/, PageBatch& /*burst*/) noexcept {}

void PagePool::prefill_locked(PageBatch& /*burst*/) noexcept {}

void PagePool::trim_locked(PageBatch& burst, PageBatch& spare) noexcept {
  while (!burst.empty()) {
    void* page = burst.pop();
    if (spare.full()) {
      free_in_lock(page);  // cannot happen with the shipped policies; never leak
    } else {
      spare.push(page);
    }
  }
}

void PagePool::release(PageBatch& spare) noexcept {
  while (!spare.empty()) free_outside_lock(spare.pop());
}

void PagePool::check_lock(bool must_hold, const char* what) noexcept {
  if (lock_ == nullptr || lock_->held_by_caller() == must_hold) return;
  lock_violations_.fetch_add(1, std::memory_order_relaxed);
#ifdef PIPEPOOL_LOCK_ASSERTS
  std::fprintf(stderr, "pipepool: %s pool: %s called %s the pipe mutex\n", name().data(), what,
               must_hold ? "without" : "while holding");
  std::abort();
#else
  (void)what;
#endif
}

void* PagePool::alloc_in_lock() noexcept {
  check_lock(true, "alloc_in_lock");
  void* page = allocator_->allocate();
  if (page == nullptr) {
    alloc_failures_.add();
    return nullptr;
  }
  bump(allocs_in_lock_);
  return page;
}

void* PagePool::alloc_outside_lock() noexcept {
  check_lock(false, "alloc_outside_lock");
  void* page = allocator_->allocate();
  if (page == nullptr) {
    alloc_failures_.add();
    return nullptr;
  }
  allocs_outside_lock_.add();
  return page;
}

void PagePool::free_in_lock(void* page) noexcept {
  if (page == nullptr) return;
  check_lock(true, "free_in_lock");
  allocator_->free(page);
  bump(frees_in_lock_);
}

void PagePool::free_outside_lock(void* page) noexcept {
  if (page == nullptr) return;
  check_lock(false, "free_outside_lock");
  allocator_->free(page);
  frees_outside_lock_.add();
}

void PagePool::set_pool_size(std::uint64_t n) noexcept {
  pool_size_.store(n, std::memory_order_relaxed);
  std::uint64_t peak = pool_peak_.load(std::memory_order_relaxed);
  while (n > peak && !pool_peak_.compare_exchange_weak(peak, n, std::memory_order_relaxed)) {
  }
}

PoolStats PagePool::stats() const noexcept {
  PoolStats s;
  s.allocs_in_lock = allocs_in_lock_.load(std::memory_order_relaxed);
  s.allocs_outside_lock = allocs_outside_lock_.load();
  s.frees_in_lock = frees_in_lock_.load(std::memory_order_relaxed);
  s.frees_outside_lock = frees_outside_lock_.load();
  s.alloc_failures = alloc_failures_.load();
  s.pool_hits = pool_hits_.load(std::memory_order_relaxed);
  s.pool_size = pool_size_.load(std::memory_order_relaxed);
  s.pool_peak = pool_peak_.load(std::memory_order_relaxed);
  s.lock_violations = lock_violations_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace pipepool
