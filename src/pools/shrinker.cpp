// The shrinker policy, see pools/shrinker.hpp.
//
// Counting: pages popped from the pool are pool hits (as unified). Pages the shrinker frees are
// frees_outside_lock (no pipe mutex is held) and also ShrinkerPool::reclaimed().
#include "pools/shrinker.hpp"

#include <algorithm>
#include <new>
#include <utility>

#include "pipepool/shrinker.hpp"
#include "pools/policies.hpp"

namespace pipepool {
namespace {

std::atomic<std::size_t> g_default_cap{kDefaultShrinkerCap};

}  // namespace

void set_default_shrinker_cap(std::size_t pages) noexcept {
  g_default_cap.store(pages, std::memory_order_relaxed);
}

std::size_t default_shrinker_cap() noexcept {
  return g_default_cap.load(std::memory_order_relaxed);
}

namespace pools {

ShrinkerPool::ShrinkerPool(std::shared_ptr<PageAllocator> allocator, std::size_t cap_pages,
                           const PoolSizes& sizes)
    : PagePool(std::move(allocator), sizes), cap_(cap_pages), last_use_ns_(shrinker::now_ns()) {
  pages_.reserve(cap_pages);
  registry_id_ = shrinker::Registry::instance().join(*this);
}

ShrinkerPool::~ShrinkerPool() {
  shrinker::Registry::instance().leave(registry_id_);
  std::lock_guard lock(lock_);
  while (!pages_.empty()) free_in_lock(pop());
  while (!parked_.empty()) free_in_lock(parked_.pop());
}

void ShrinkerPool::prefill(std::size_t len, PageBatch& burst) noexcept {
  // A pool capped below the burst could not keep the surplus: allocate no more than fits.
  const std::uint64_t want = std::min<std::uint64_t>(burst_pages(len, sizes().max), cap());
  const std::uint64_t have = pool_size();  // relaxed atomic, no lock
  for (std::uint64_t n = want > have ? want - have : 0; n > 0 && !burst.full(); --n) {
    void* page = alloc_outside_lock();
    if (page == nullptr) return;
    burst.push(page);
  }
}

void ShrinkerPool::prefill_locked(PageBatch& burst) noexcept {
  std::lock_guard lock(lock_);
  const std::size_t cap = cap_.load(std::memory_order_relaxed);
  while (!burst.empty() && pages_.size() < cap) push(burst.pop());
}

void* ShrinkerPool::get_page(PageBatch& /*burst*/) noexcept {
  {
    std::lock_guard lock(lock_);
    if (!pages_.empty()) {
      count_hit();
      return pop();
    }
  }
  return alloc_in_lock();
}

void ShrinkerPool::put_page(void* page) noexcept {
  if (page == nullptr) return;
  {
    std::lock_guard lock(lock_);
    if (pages_.size() < cap_.load(std::memory_order_relaxed)) {
      push(page);
      return;
    }
  }
  if (parked_.count < sizes().max) {
    parked_.push(page);
  } else {
    free_in_lock(page);
  }
}

void ShrinkerPool::trim_locked(PageBatch& burst, PageBatch& spare) noexcept {
  PagePool::trim_locked(burst, spare);
  while (!parked_.empty()) {
    void* page = parked_.pop();
    if (spare.full()) {
      free_in_lock(page);  // unreachable: <= max burst leftovers + <= max parked; never leak
    } else {
      spare.push(page);
    }
  }
  const std::uint64_t now = shrinker::now_ns();
  std::lock_guard lock(lock_);
  last_use_ns_.store(now, std::memory_order_relaxed);
}

bool ShrinkerPool::try_take(std::size_t max, std::uint64_t used_before_ns,
                            PageBatch& out) noexcept {
  std::unique_lock lock(lock_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  if (last_use_ns_.load(std::memory_order_relaxed) > used_before_ns) return true;
  for (std::size_t n = 0; n < max && !pages_.empty() && !out.full(); ++n) out.push(pop());
  return true;
}

void ShrinkerPool::free_taken(PageBatch& pages) noexcept {
  reclaimed_.fetch_add(pages.count, std::memory_order_relaxed);
  while (!pages.empty()) free_outside_lock(pages.pop());
}

bool ShrinkerPool::set_cap(std::size_t pages) noexcept {
  {
    std::lock_guard lock(lock_);
    try {
      pages_.reserve(pages);
    } catch (const std::bad_alloc&) {
      return false;
    }
    cap_.store(pages, std::memory_order_relaxed);
  }
  for (;;) {  // free the surplus in batches, never under the pool lock
    PageBatch surplus;
    {
      std::lock_guard lock(lock_);
      while (pages_.size() > cap_.load(std::memory_order_relaxed) && !surplus.full()) {
        surplus.push(pop());
      }
    }
    if (surplus.empty()) return true;
    release(surplus);
  }
}

void ShrinkerPool::push(void* page) noexcept {
  pages_.push_back(page);  // never reallocates: capacity >= cap
  set_pool_size(pages_.size());
}

void* ShrinkerPool::pop() noexcept {
  void* page = pages_.back();
  pages_.pop_back();
  set_pool_size(pages_.size());
  return page;
}

std::unique_ptr<PagePool> make_shrinker_pool(std::shared_ptr<PageAllocator> allocator,
                                             const PoolSizes& sizes) {
  return std::make_unique<ShrinkerPool>(std::move(allocator), default_shrinker_cap(), sizes);
}

}  // namespace pools
}  // namespace pipepool
