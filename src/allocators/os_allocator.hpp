// `os`: the process-wide page allocator over operating-system memory, shaped like the kernel's
// page allocator.
//
// Layers, fastest first:
// - a per-thread cache of up to kOsThreadCacheMax hot pages (no lock). An empty cache refills
//   kOsThreadCacheBatch pages from the shared list in one lock; a full cache moves its
//   kOsThreadCacheBatch coldest pages there. A thread's cache goes to the shared list when the
//   thread exits; frees and allocations after that bypass the cache.
// - a shared LIFO free list of hot pages behind a mutex. When a flush leaves it above
//   kOsHighWatermark pages, its coldest pages down to kOsLowWatermark are handed back to the OS
//   (madvise MADV_DONTNEED, one call per contiguous run, outside the mutex) and move to the
//   `returned` list.
// - fresh pages: the `returned` list first, then never-touched pages of the newest chunk, then a
//   new chunk mmap'ed from the OS (kOsChunkBytes, never unmapped). A fresh page is faulted in
//   (zero-filled) on its first touch, so memory pressure shows in its cost.
//
// Stats are process-wide relaxed counters. fresh_pages counts pages handed out that were never
// touched or had been returned to the OS; returned_pages counts pages madvised away. allocate()
// returns nullptr only when mmap fails. free(nullptr) is a no-op and is not counted. Under ASan,
// free pages are poisoned.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "pipepool/detail/striped_counter.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool::internal {

class GlobalLocks;

inline constexpr std::size_t kOsChunkBytes = std::size_t{2} << 20;
inline constexpr std::size_t kOsChunkPages = kOsChunkBytes / kPageSize;
inline constexpr std::size_t kOsThreadCacheMax = 64;
inline constexpr std::size_t kOsThreadCacheBatch = 32;
inline constexpr std::size_t kOsHighWatermark = 1024;  // shared free pages (4 MiB)
inline constexpr std::size_t kOsLowWatermark = 512;    // left after a release (2 MiB)

// Where the mapped pages are, in pages. Pages neither listed here nor in some thread's cache are
// handed out. Each field is read under the mutex; `this_thread_cached` is the caller's own cache.
struct OsInventory {
  std::size_t mapped = 0;       // pages in all chunks mmap'ed so far
  std::size_t untouched = 0;    // never handed out, in the newest chunk
  std::size_t shared_free = 0;  // hot pages on the shared list
  std::size_t returned = 0;     // free pages given back to the OS
  std::size_t releasing = 0;    // pages being madvised right now
  std::size_t this_thread_cached = 0;
};

class OsAllocator final : public PageAllocator {
 public:
  // The one instance. It is never destroyed, so threads may free pages during process exit.
  [[nodiscard]] static const std::shared_ptr<OsAllocator>& instance() noexcept;

  OsAllocator(const OsAllocator&) = delete;
  OsAllocator& operator=(const OsAllocator&) = delete;

  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "os"; }
  [[nodiscard]] AllocatorStats stats() const noexcept override;

  // Flushes the calling thread's cache and hands every shared free page back to the OS now (a
  // drop_caches for this allocator). Pages another thread is releasing at the moment stay with it.
  void release_free_pages() noexcept;
  [[nodiscard]] OsInventory inventory() const noexcept;

  // Called by the thread-exit hook: moves `count` cached pages to the shared list.
  void flush_exiting_thread(void* const* pages, std::size_t count) noexcept;

  // In the child of fork(), with the mutex taken by the prepare handler (internal/fork_guard.hpp):
  // a release another thread had in progress (madvise, outside the mutex) never finishes in the
  // child, so its pages are dropped from the books (leaked) and releases are allowed again; the
  // caches of the parent's other threads are leaked likewise. Then releases the mutex.
  void after_fork_child() noexcept;

 private:
  friend class GlobalLocks;
  OsAllocator() = default;
  ~OsAllocator() override = default;

  void* allocate_slow() noexcept;
  void free_slow(void* page) noexcept;
  // With mutex_ held: a page nobody has touched since it was mapped or returned, or nullptr.
  void* take_fresh_locked() noexcept;
  bool map_chunk_locked() noexcept;
  // Appends pages to the shared list and releases the surplus above `high` down to `low`.
  void push_shared(void* const* pages, std::size_t count, std::size_t high,
                   std::size_t low) noexcept;
  void release_surplus(std::unique_lock<std::mutex>& lock, std::size_t keep) noexcept;

  mutable std::mutex mutex_;
  // All guarded by mutex_. Capacities of shared_ and returned_ cover every mapped page, so
  // pushing onto them never allocates.
  std::vector<void*> shared_;    // back = most recently freed
  std::vector<void*> returned_;  // back = most recently released
  std::vector<void*> release_buffer_;
  bool releasing_ = false;  // a thread owns release_buffer_ and is madvising it
  std::size_t releasing_count_ = 0;
  char* untouched_ = nullptr;
  char* untouched_end_ = nullptr;
  std::size_t mapped_pages_ = 0;

  // Every allocation and free counts, from any thread: striped, not one shared line.
  detail::StripedCounter allocations_;
  detail::StripedCounter frees_;
  alignas(64) std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> fresh_pages_{0};
  std::atomic<std::uint64_t> returned_pages_{0};
};

}  // namespace pipepool::internal
