// The shrinker policy (ours; the kernel series' stated future work): unified's top-up outside
// the pipe mutex, but pages released by readers stay in the pool up to a cap, in pages, and are
// given back by the process-wide shrinker (pressure, idle trim, shrink_all) instead of a trim to
// kPreallocKeep after every read and write. Private; the public API is pipepool/shrinker.hpp.
//
// Locking: the pipe mutex serialises the hooks as for every policy. The kept pages are also
// guarded by the pool's own small lock, taken by the hooks (uncontended unless a scan is popping
// this very pool) and only try-locked by the shrinker, which never waits for a pool in use.
// Lock order: pipe mutex, then pool lock. No allocation or free happens under the pool lock.
//
// Invariants: a prefill allocates at most what the write can fill minus what the pool holds
// (<= PoolSizes::max); the pool never holds more than cap() pages.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "pipepool/page_pool.hpp"
#include "shrinker/registry.hpp"

namespace pipepool::pools {

class ShrinkerPool final : public PagePool, public shrinker::Reclaimable {
 public:
  // Joins the process-wide registry. Throws std::bad_alloc.
  ShrinkerPool(std::shared_ptr<PageAllocator> allocator, std::size_t cap_pages,
               const PoolSizes& sizes = {});
  // Leaves the registry (waiting for a scan that is using this pool), then frees the kept pages
  // (counted as frees_in_lock, see page_pool.cpp).
  ~ShrinkerPool() override;

  [[nodiscard]] std::string_view name() const noexcept override { return "shrinker"; }

  // Before the mutex: want = min(ceil(len/4096), max, cap), have = the pool's size (racy peek, as
  // unified); allocates max(0, want - have) pages, stopping at the first failure.
  void prefill(std::size_t len, PageBatch& burst) noexcept override;
  // Pushes the burst into the pool while it is below the cap; the rest is freed after unlock.
  void prefill_locked(PageBatch& burst) noexcept override;
  // Pops a kept page (a hit), else allocates under the pipe mutex.
  [[nodiscard]] void* get_page(PageBatch& burst) noexcept override;
  // Keeps the page while the pool is below the cap. Beyond the cap the page is parked (up to
  // `max` pages, PoolSizes::max) and freed after unlock by trim_locked/release; past that it is
  // freed under the mutex.
  void put_page(void* page) noexcept override;
  // Hands burst leftovers and parked pages to `spare`; keeps the pool as it is (no trim to 2);
  // stamps the last use.
  void trim_locked(PageBatch& burst, PageBatch& spare) noexcept override;

  // shrinker::Reclaimable
  [[nodiscard]] std::size_t held() const noexcept override { return pool_size(); }
  [[nodiscard]] std::uint64_t last_use_ns() const noexcept override {
    return last_use_ns_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool try_take(std::size_t max, std::uint64_t used_before_ns,
                              PageBatch& out) noexcept override;
  void free_taken(PageBatch& pages) noexcept override;

  [[nodiscard]] std::size_t cap() const noexcept { return cap_.load(std::memory_order_relaxed); }
  // Changes the cap (pages); frees what the pool holds above it now. False (cap unchanged) when
  // the page stack cannot grow.
  [[nodiscard]] bool set_cap(std::size_t pages) noexcept;
  // Pages the shrinker took from this pool.
  [[nodiscard]] std::uint64_t reclaimed() const noexcept {
    return reclaimed_.load(std::memory_order_relaxed);
  }

 private:
  void push(void* page) noexcept;      // lock_ held, size < cap
  [[nodiscard]] void* pop() noexcept;  // lock_ held, not empty

  mutable std::mutex lock_;
  std::vector<void*> pages_;                // guarded by lock_; capacity >= cap_
  std::atomic<std::size_t> cap_;            // written under lock_
  std::atomic<std::uint64_t> last_use_ns_;  // written under lock_
  std::atomic<std::uint64_t> reclaimed_{0};
  PageBatch parked_;  // guarded by the pipe mutex: pages put beyond the cap, freed after unlock
  std::uint64_t registry_id_ = 0;
};

// `sizes` is valid (make_pool checks it); the cap is default_shrinker_cap().
[[nodiscard]] std::unique_ptr<PagePool> make_shrinker_pool(std::shared_ptr<PageAllocator> allocator,
                                                           const PoolSizes& sizes);

}  // namespace pipepool::pools
