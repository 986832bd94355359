// `model`: a deterministic allocator for tests and cost sweeps.
//
// Contract:
// - Every allocate() call, failed or not, busy-waits alloc_cost_ns; every free() of a page
//   busy-waits free_cost_ns. The wait happens outside the internal lock, so threads pay it in
//   parallel, as they would in a real allocator.
// - Calls are numbered from 1 across all threads. Call k fails (returns nullptr, counts a failure)
//   when k == fail_nth, or when fail_every != 0 and k % fail_every == 0.
// - Pages come from a mutex-protected free list; when it is empty, from the C++ heap (counted as
//   fresh_pages). Freed pages go back on the list (poisoned under ASan). The destructor returns
//   the listed pages to the heap; pages still handed out at that point must not be freed later.
// - free(nullptr) is a no-op and is not counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "pipepool/page_allocator.hpp"

namespace pipepool::internal {

class ModelAllocator final : public PageAllocator {
 public:
  explicit ModelAllocator(const ModelAllocatorConfig& config) noexcept : config_(config) {}
  ~ModelAllocator() override;
  ModelAllocator(const ModelAllocator&) = delete;
  ModelAllocator& operator=(const ModelAllocator&) = delete;

  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "model"; }
  [[nodiscard]] AllocatorStats stats() const noexcept override;

  [[nodiscard]] const ModelAllocatorConfig& config() const noexcept { return config_; }

 private:
  [[nodiscard]] bool should_fail(std::uint64_t call) const noexcept;
  [[nodiscard]] void* take_page() noexcept;

  const ModelAllocatorConfig config_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> allocations_{0};
  std::atomic<std::uint64_t> frees_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> fresh_pages_{0};
  std::mutex mutex_;
  std::vector<void*> free_list_;  // guarded by mutex_
};

}  // namespace pipepool::internal
