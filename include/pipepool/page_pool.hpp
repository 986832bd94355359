// Page-pool policies: which pages a pipe keeps and when it allocates or frees them.
//
// The hooks follow the kernel's shape (fs/pipe.c). A write runs:
//   prefill(len, burst)           before the pipe mutex       (prealloc, unified, shrinker)
//   lock
//   prefill_locked(burst)         first thing under the mutex (unified: push into the pool)
//   get_page(burst) ...           under the mutex, once per new ring slot
//   trim_locked(burst, spare)     last thing under the mutex
//   unlock
//   release(spare)                after the mutex: frees what trim_locked handed back
// A read runs put_page(page) under the mutex for each buffer it empties, then
// trim_locked(empty, spare), unlock, release(spare).
// put_page is also the destination of a page a write took but could not use.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "pipepool/detail/striped_counter.hpp"
#include "pipepool/page_allocator.hpp"
#include "pipepool/stats.hpp"

namespace pipepool {

inline constexpr unsigned kPreallocMax = 8;   // PREALLOC_MAX: largest burst / pool
inline constexpr unsigned kPreallocKeep = 2;  // PREALLOC_KEEP: pages kept when a read/write ends

enum class PolicyKind { legacy, prealloc, unified, shrinker };

[[nodiscard]] std::optional<PolicyKind> parse_policy_kind(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(PolicyKind kind) noexcept;

// A small array of pages that lives on the caller's stack: the prefill burst of a write, or the
// pages to free after unlock.
struct PageBatch {
  static constexpr unsigned kCapacity = 2 * kPreallocMax;
  std::array<void*, kCapacity> pages{};
  unsigned count = 0;

  [[nodiscard]] bool empty() const noexcept { return count == 0; }
  [[nodiscard]] bool full() const noexcept { return count == kCapacity; }
  void push(void* page) noexcept { pages[count++] = page; }
  [[nodiscard]] void* pop() noexcept { return pages[--count]; }
};

// The pipe mutex as a pool sees it: whether the calling thread holds it. The pipe attaches its
// mutex to its pool, which then checks every counted allocation and free against the side of the
// lock it claims (PoolStats::lock_violations; an abort in builds with PIPEPOOL_LOCK_ASSERTS).
class LockOwnership {
 public:
  [[nodiscard]] virtual bool held_by_caller() const noexcept = 0;

 protected:
  ~LockOwnership() = default;
};

class PagePool {
 public:
  explicit PagePool(std::shared_ptr<PageAllocator> allocator) noexcept;
  virtual ~PagePool();
  PagePool(const PagePool&) = delete;
  PagePool& operator=(const PagePool&) = delete;

  [[nodiscard]] virtual std::string_view name() const noexcept = 0;

  // Before the pipe mutex. May allocate into `burst` for a write of `len` bytes.
  virtual void prefill(std::size_t len, PageBatch& burst) noexcept;
  // Under the mutex, right after taking it. May move pages from `burst` into the pool.
  virtual void prefill_locked(PageBatch& burst) noexcept;
  // Under the mutex. A page for a new ring slot, or nullptr when none can be had.
  [[nodiscard]] virtual void* get_page(PageBatch& burst) noexcept = 0;
  // Under the mutex. A page a reader emptied, or a page a write did not use.
  virtual void put_page(void* page) noexcept = 0;
  // Under the mutex, as a read or write ends: move the pages to give back into `spare`
  // (leftovers of `burst` included). `burst` is empty afterwards.
  virtual void trim_locked(PageBatch& burst, PageBatch& spare) noexcept;
  // After the mutex is released: free every page in `spare`.
  void release(PageBatch& spare) noexcept;

  [[nodiscard]] PoolStats stats() const noexcept;
  // The lock the hooks run under (nullptr: none, e.g. a pool driven alone, or a pipe being
  // destroyed). Not thread-safe: set it before the pool is shared or after it no longer is.
  void attach_lock(const LockOwnership* lock) noexcept { lock_ = lock; }
  [[nodiscard]] PageAllocator& allocator() const noexcept { return *allocator_; }
  // The allocator as shared ownership: a page shared with another pipe keeps it alive.
  [[nodiscard]] const std::shared_ptr<PageAllocator>& allocator_handle() const noexcept {
    return allocator_;
  }

 protected:
  // Allocation and freeing, counted by where they happen.
  [[nodiscard]] void* alloc_in_lock() noexcept;
  [[nodiscard]] void* alloc_outside_lock() noexcept;
  void free_in_lock(void* page) noexcept;
  void free_outside_lock(void* page) noexcept;
  // Under the pipe mutex.
  void count_hit() noexcept { bump(pool_hits_); }
  // The number of pages the policy keeps; updates the peak.
  void set_pool_size(std::uint64_t n) noexcept;
  [[nodiscard]] std::uint64_t pool_size() const noexcept {
    return pool_size_.load(std::memory_order_relaxed);
  }

 private:
  // Counts (and with PIPEPOOL_LOCK_ASSERTS aborts on) a call made on the wrong side of the lock.
  void check_lock(bool must_hold, const char* what) noexcept;

  std::shared_ptr<PageAllocator> allocator_;
  const LockOwnership* lock_ = nullptr;
  std::atomic<std::uint64_t> lock_violations_{0};
  // Counters changed under the pipe mutex only: a plain load and store, no read-modify-write.
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> allocs_in_lock_{0};
  std::atomic<std::uint64_t> frees_in_lock_{0};
  std::atomic<std::uint64_t> pool_hits_{0};
  // Counters changed outside the lock by several threads at once (writers prefilling, readers
  // releasing).
  detail::StripedCounter allocs_outside_lock_;
  detail::StripedCounter frees_outside_lock_;
  detail::StripedCounter alloc_failures_;
  std::atomic<std::uint64_t> pool_size_{0};
  std::atomic<std::uint64_t> pool_peak_{0};
};

[[nodiscard]] std::unique_ptr<PagePool> make_pool(PolicyKind kind,
                                                  std::shared_ptr<PageAllocator> allocator);

}  // namespace pipepool
