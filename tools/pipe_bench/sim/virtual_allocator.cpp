#include "pipe_bench/sim/virtual_allocator.hpp"

namespace pipe_bench::sim {

void* VirtualTimeAllocator::allocate() noexcept {
  pending_ns_ += alloc_ns_;
  ++stats_.allocations;
  if (!free_list_.empty()) {
    void* page = free_list_.back();
    free_list_.pop_back();
    return page;
  }
  ++stats_.fresh_pages;
  tokens_.emplace_back();
  return &tokens_.back();
}

void VirtualTimeAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  pending_ns_ += free_ns_;
  ++stats_.frees;
  free_list_.push_back(page);
}

double VirtualTimeAllocator::take_pending_ns() noexcept {
  const double ns = pending_ns_;
  pending_ns_ = 0;
  return ns;
}

}  // namespace pipe_bench::sim
