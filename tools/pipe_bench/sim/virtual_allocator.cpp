#include "pipe_bench/sim/virtual_allocator.hpp"

#include <utility>

namespace pipe_bench::sim {

VirtualTimeAllocator::VirtualTimeAllocator(const SimCosts& costs, PageModel model, unsigned cpus,
                                           std::uint64_t seed)
    : alloc_ns_(costs.alloc_ns),
      free_ns_(costs.free_ns),
      alloc_cross_ns_(costs.alloc_cross_ns),
      free_cross_ns_(costs.free_cross_ns),
      stall_probability_(costs.reclaim_stall_probability),
      stall_ns_(costs.reclaim_stall_ns),
      rng_(seed),
      per_cpu_(model == PageModel::kernel && cpus > 1),
      lists_(per_cpu_ ? cpus : 1) {}

void* VirtualTimeAllocator::allocate() noexcept {
  ++stats_.allocations;
  std::vector<void*>& own = lists_[cpu_];
  void* page = nullptr;
  if (!own.empty()) {
    page = own.back();
    own.pop_back();
    pending_.alloc_ns += alloc_ns_;
  } else {
    // The pages freed on other CPUs, the nearest list first; else a fresh page.
    for (std::size_t step = 1; step < lists_.size() && page == nullptr; ++step) {
      std::vector<void*>& other = lists_[(cpu_ + step) % lists_.size()];
      if (other.empty()) continue;
      page = other.back();
      other.pop_back();
    }
    if (page == nullptr) {
      ++stats_.fresh_pages;
      tokens_.emplace_back();
      page = &tokens_.back();
    }
    if (per_cpu_) ++cross_allocs_;
    pending_.alloc_ns += per_cpu_ ? alloc_cross_ns_ : alloc_ns_;
  }
  if (per_cpu_) owner_[page] = cpu_;
  // Direct reclaim: the allocation found the memory cgroup at its limit.
  if (stall_probability_ > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < stall_probability_) {
    ++stalls_;
    pending_.alloc_ns += stall_ns_;
  }
  return page;
}

void VirtualTimeAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  ++stats_.frees;
  bool cross = false;
  if (per_cpu_) {
    const auto it = owner_.find(page);
    cross = it != owner_.end() && it->second != cpu_;
  }
  cross_frees_ += cross ? 1 : 0;
  pending_.free_ns += cross ? free_cross_ns_ : free_ns_;
  lists_[cpu_].push_back(page);
}

PendingCost VirtualTimeAllocator::take_pending() noexcept {
  return std::exchange(pending_, PendingCost{});
}

}  // namespace pipe_bench::sim
