// `model`: a deterministic allocator for tests and cost sweeps, shaped like the kernel's page
// allocator: per-CPU page lists in front of one shared free list.
//
// Contract:
// - Every allocate() call, failed or not, busy-waits alloc_cost_ns, and with probability
//   reclaim_stall_probability also reclaim_stall_ns; every free() of a page busy-waits
//   free_cost_ns. The waits happen outside every internal lock, so threads pay them in parallel,
//   as they would in a real allocator.
// - Pages are served from per-CPU caches (the cache of sched_getcpu() % cache count), each
//   cache-line aligned behind its own small lock. An empty cache refills up to cache_batch pages
//   from the shared list (one mutex, taken only to refill or drain); a cache holding more than
//   cache_high pages after a free drains its cache_batch oldest pages to the shared list. When
//   both the cache and the shared list are empty, the page comes from the C++ heap (counted as
//   fresh_pages). No process-wide lock is taken on the fast path.
// - Free pages are poisoned under ASan while they sit in a cache or on the shared list. The
//   destructor returns them to the heap; pages still handed out at that point must not be freed
//   later.
// - Failure injection: calls are numbered from 1 across all threads. Call k fails (returns
//   nullptr, counts a failure) when k == fail_nth, or when fail_every != 0 and
//   k % fail_every == 0. Without injection configured the calls are not numbered (no shared
//   counter on the fast path).
// - The stall PRNG is per cache, seeded from `seed` and the cache's index; with one cache
//   (cpu_caches = 1) a sequence of calls from one thread stalls on the same calls every run.
// - free(nullptr) is a no-op and is not counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "pipepool/page_allocator.hpp"

namespace pipepool::internal {

// What the model did beyond AllocatorStats: cache traffic, stalls, and the busy-wait nanoseconds
// it charged (the sum of the waits it started, so a cost of 0 charges 0).
struct ModelCounters {
  std::uint64_t refills = 0;         // batches moved from the shared list into a cache
  std::uint64_t refilled_pages = 0;  // pages those batches held
  std::uint64_t drains = 0;          // batches moved from a cache to the shared list
  std::uint64_t drained_pages = 0;
  std::uint64_t stalls = 0;  // allocate() calls that drew a reclaim stall
  std::uint64_t alloc_cost_charged_ns = 0;
  std::uint64_t free_cost_charged_ns = 0;
  std::uint64_t stall_charged_ns = 0;
};

class ModelAllocator final : public PageAllocator {
 public:
  explicit ModelAllocator(const ModelAllocatorConfig& config);
  ~ModelAllocator() override;
  ModelAllocator(const ModelAllocator&) = delete;
  ModelAllocator& operator=(const ModelAllocator&) = delete;

  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "model"; }
  [[nodiscard]] AllocatorStats stats() const noexcept override;

  [[nodiscard]] const ModelAllocatorConfig& config() const noexcept { return config_; }
  [[nodiscard]] ModelCounters counters() const noexcept;
  [[nodiscard]] std::size_t cache_count() const noexcept { return cache_count_; }
  // Pages held free: in the caches plus on the shared list (takes every lock; for tests).
  [[nodiscard]] std::size_t free_pages() noexcept;

 private:
  struct Cache;

  [[nodiscard]] bool should_fail(std::uint64_t call) const noexcept;
  [[nodiscard]] Cache& local_cache() noexcept;
  [[nodiscard]] bool draw_stall(Cache& cache) noexcept;
  // Reserves the cache's list (its lock held); false when memory for it is lacking.
  [[nodiscard]] bool ready(Cache& cache) noexcept;
  // Moves up to cache_batch pages from the shared list into `cache` (its lock held).
  void refill(Cache& cache) noexcept;
  // Moves the cache_batch oldest pages of `cache` to the shared list (its lock held).
  void drain(Cache& cache) noexcept;

  const ModelAllocatorConfig config_;
  const bool injecting_;
  const double stall_probability_;  // clamped to 0..1
  std::size_t cache_count_;
  std::unique_ptr<Cache[]> caches_;
  std::atomic<std::uint64_t> calls_{0};  // only counted when failure injection is configured
  std::mutex shared_mutex_;
  std::vector<void*> shared_;  // guarded by shared_mutex_
};

}  // namespace pipepool::internal
