// A PageAllocator for the simulation: pages are tokens that are never touched, and each
// allocation or free adds its cost to a pending total instead of spending it. The simulated pipe
// takes the pending totals after every pool hook and charges them to the calling actor as CPU
// time, on the side of the pipe mutex where the hook ran.
//
// With PageModel::kernel the allocator keeps one free list per CPU, as the kernel's per-CPU page
// lists: a free goes to the freeing CPU's list, an allocation takes from the allocating CPU's own
// list at the one-CPU cost, or else from the pages freed elsewhere (or a fresh one) at the
// two-CPU cost; freeing a page allocated on another CPU costs the two-CPU free. Otherwise every
// call costs the one-CPU figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipe_bench/sim/costs.hpp"
#include "pipe_bench/sim/placement.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipe_bench::sim {

struct PendingCost {
  double alloc_ns = 0;
  double free_ns = 0;
  [[nodiscard]] double total() const noexcept { return alloc_ns + free_ns; }
};

class VirtualTimeAllocator final : public pipepool::PageAllocator {
 public:
  // Each allocation stalls costs.reclaim_stall_ns more with probability
  // costs.reclaim_stall_probability, drawn from a generator seeded with `seed`.
  VirtualTimeAllocator(const SimCosts& costs, PageModel model, unsigned cpus,
                       std::uint64_t seed = 1);

  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "virtual-time"; }
  [[nodiscard]] pipepool::AllocatorStats stats() const noexcept override { return stats_; }

  // The CPU the next calls run on (the one the calling task runs on).
  void set_cpu(unsigned cpu) noexcept { cpu_ = cpu < lists_.size() ? cpu : 0; }
  // Allocations that found no page on their CPU's own list.
  [[nodiscard]] std::uint64_t cross_allocations() const noexcept { return cross_allocs_; }
  // Allocations that stalled in reclaim.
  [[nodiscard]] std::uint64_t reclaim_stalls() const noexcept { return stalls_; }
  // Frees of pages allocated on another CPU.
  [[nodiscard]] std::uint64_t cross_frees() const noexcept { return cross_frees_; }

  // The cost of the calls made since the last take; resets it to 0.
  [[nodiscard]] PendingCost take_pending() noexcept;

 private:
  double alloc_ns_;
  double free_ns_;
  double alloc_cross_ns_;
  double free_cross_ns_;
  double stall_probability_;
  double stall_ns_;
  std::mt19937_64 rng_;
  std::uint64_t stalls_ = 0;
  bool per_cpu_;
  unsigned cpu_ = 0;
  PendingCost pending_;
  pipepool::AllocatorStats stats_{};
  std::uint64_t cross_allocs_ = 0;
  std::uint64_t cross_frees_ = 0;
  std::deque<std::byte> tokens_;  // one byte per page ever handed out; deque keeps addresses
  std::vector<std::vector<void*>> lists_;            // free pages per CPU (one list: no CPUs)
  std::unordered_map<const void*, unsigned> owner_;  // page -> CPU that allocated it
};

}  // namespace pipe_bench::sim
