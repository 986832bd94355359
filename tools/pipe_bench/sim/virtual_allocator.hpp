// A PageAllocator for the simulation: pages are tokens that are never touched, and each
// allocation or free adds its cost to a pending total instead of spending it. The simulated pipe
// takes the pending total after every pool hook and charges it to the calling actor as CPU time,
// on the side of the pipe mutex where the hook ran.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "pipepool/page_allocator.hpp"

namespace pipe_bench::sim {

class VirtualTimeAllocator final : public pipepool::PageAllocator {
 public:
  VirtualTimeAllocator(double alloc_ns, double free_ns) noexcept
      : alloc_ns_(alloc_ns), free_ns_(free_ns) {}

  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "virtual-time"; }
  [[nodiscard]] pipepool::AllocatorStats stats() const noexcept override { return stats_; }

  // The cost of the calls made since the last take, in ns; resets it to 0.
  [[nodiscard]] double take_pending_ns() noexcept;

 private:
  double alloc_ns_;
  double free_ns_;
  double pending_ns_ = 0;
  pipepool::AllocatorStats stats_{};
  std::deque<std::byte> tokens_;  // one byte per page ever handed out; deque keeps addresses
  std::vector<void*> free_list_;
};

}  // namespace pipe_bench::sim
