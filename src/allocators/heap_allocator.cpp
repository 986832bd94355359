#include "allocators/heap_allocator.hpp"

#include <new>

namespace pipepool::internal {

void* HeapAllocator::allocate() noexcept {
  void* page = ::operator new (kPageSize, std::align_val_t{kPageSize}, std::nothrow);
  if (page == nullptr) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  allocations_.add();
  return page;
}

void HeapAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  frees_.add();
  ::operator delete (page, kPageSize, std::align_val_t{kPageSize});
}

AllocatorStats HeapAllocator::stats() const noexcept {
  AllocatorStats s;
  s.allocations = allocations_.load();
  s.frees = frees_.load();
  s.failures = failures_.load(std::memory_order_relaxed);
  s.fresh_pages = s.allocations;
  return s;
}

}  // namespace pipepool::internal
