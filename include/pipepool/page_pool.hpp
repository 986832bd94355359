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
#include <system_error>
#include <type_traits>

#include "pipepool/detail/striped_counter.hpp"
#include "pipepool/page_allocator.hpp"
#include "pipepool/stats.hpp"

namespace pipepool {

inline constexpr unsigned kPreallocMax = 8;   // PIPE_PREALLOC_MAX: largest burst / pool
inline constexpr unsigned kPreallocKeep = 2;  // PIPE_PREALLOC_KEEP: pages kept as a read/write ends
inline constexpr unsigned kLegacyCache = 2;   // tmp_page[2]: pages legacy keeps between calls
// The largest value of every PoolSizes field. PageBatch holds twice as many pages.
inline constexpr unsigned kPoolSizeLimit = 64;

// The pool sizes of the policies, in pages. The defaults are the kernel's.
//   legacy_cache  legacy and prealloc: tmp_page slots (1 = the single cached page of Linux
//                 before tmp_page[2], 2 = tmp_page[2])
//   keep          unified: pages left in the pool when a read or write ends (PIPE_PREALLOC_KEEP).
//                 The shrinker policy trims to nothing; it keeps up to its cap (shrinker.hpp).
//   max           prealloc, unified, shrinker: the largest prefill burst; unified's pool size;
//                 the shrinker's pages parked beyond its cap (PIPE_PREALLOC_MAX)
// Each is 1..kPoolSizeLimit, and keep <= max.
struct PoolSizes {
  unsigned legacy_cache = kLegacyCache;
  unsigned keep = kPreallocKeep;
  unsigned max = kPreallocMax;
  bool operator==(const PoolSizes&) const = default;
};

enum class PoolSizeError {
  legacy_cache_out_of_range = 1,  // legacy_cache is 0 or above kPoolSizeLimit
  keep_out_of_range,              // keep is 0 or above kPoolSizeLimit
  max_out_of_range,               // max is 0 or above kPoolSizeLimit
  keep_above_max,                 // keep > max
};

// Messages name the field and the bound; every code compares equal to
// std::errc::invalid_argument.
[[nodiscard]] const std::error_category& pool_size_category() noexcept;
[[nodiscard]] std::error_code make_error_code(PoolSizeError e) noexcept;
// An empty error_code when `sizes` is valid.
[[nodiscard]] std::error_code validate(const PoolSizes& sizes) noexcept;

enum class PolicyKind { legacy, prealloc, unified, shrinker };

[[nodiscard]] std::optional<PolicyKind> parse_policy_kind(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(PolicyKind kind) noexcept;

// A small array of pages that lives on the caller's stack: the prefill burst of a write, or the
// pages to free after unlock. Only pages[0, count) are ever read, so the array is left
// uninitialised: a batch costs no stores until pages are pushed.
struct PageBatch {
  static constexpr unsigned kCapacity = 2 * kPoolSizeLimit;
  std::array<void*, kCapacity> pages;
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
  // `sizes` must be valid (validate()); make_pool checks it.
  explicit PagePool(std::shared_ptr<PageAllocator> allocator, const PoolSizes& sizes = {}) noexcept;
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
  // The sizes the pool was made with.
  [[nodiscard]] const PoolSizes& sizes() const noexcept { return sizes_; }
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
  const PoolSizes sizes_;
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

// nullptr for a null allocator or invalid `sizes` (validate() says which).
[[nodiscard]] std::unique_ptr<PagePool> make_pool(PolicyKind kind,
                                                  std::shared_ptr<PageAllocator> allocator,
                                                  const PoolSizes& sizes = {});

}  // namespace pipepool

template <>
struct std::is_error_code_enum<pipepool::PoolSizeError> : std::true_type {};
