#include "allocators/model_allocator.hpp"

#include <new>

#include "allocators/busy_wait.hpp"
#include "allocators/page_poison.hpp"

namespace pipepool::internal {

namespace {

void* heap_page() noexcept {
  return ::operator new (kPageSize, std::align_val_t{kPageSize}, std::nothrow);
}

void heap_free(void* page) noexcept {
  ::operator delete (page, kPageSize, std::align_val_t{kPageSize});
}

}  // namespace

ModelAllocator::~ModelAllocator() {
  for (void* page : free_list_) {
    unpoison_page(page);
    heap_free(page);
  }
}

bool ModelAllocator::should_fail(std::uint64_t call) const noexcept {
  if (config_.fail_nth != 0 && call == config_.fail_nth) return true;
  return config_.fail_every != 0 && call % config_.fail_every == 0;
}

void* ModelAllocator::take_page() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (!free_list_.empty()) {
      void* page = free_list_.back();
      free_list_.pop_back();
      unpoison_page(page);
      return page;
    }
  }
  void* page = heap_page();
  if (page != nullptr) fresh_pages_.fetch_add(1, std::memory_order_relaxed);
  return page;
}

void* ModelAllocator::allocate() noexcept {
  const std::uint64_t call = calls_.fetch_add(1, std::memory_order_relaxed) + 1;
  busy_wait_ns(config_.alloc_cost_ns);
  void* page = should_fail(call) ? nullptr : take_page();
  if (page == nullptr) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  allocations_.fetch_add(1, std::memory_order_relaxed);
  return page;
}

void ModelAllocator::free(void* page) noexcept {
  if (page == nullptr) return;
  busy_wait_ns(config_.free_cost_ns);
  frees_.fetch_add(1, std::memory_order_relaxed);
  poison_page(page);
  try {
    std::lock_guard lock(mutex_);
    free_list_.push_back(page);
  } catch (...) {
    // The list could not grow: give the page back to the heap instead.
    unpoison_page(page);
    heap_free(page);
  }
}

AllocatorStats ModelAllocator::stats() const noexcept {
  AllocatorStats s;
  s.allocations = allocations_.load(std::memory_order_relaxed);
  s.frees = frees_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.fresh_pages = fresh_pages_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace pipepool::internal
