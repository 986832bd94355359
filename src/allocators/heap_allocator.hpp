// `heap`: each page is an aligned 4 KiB block from the C++ allocator; free() gives it straight
// back. fresh_pages equals allocations (every page is new to this allocator). free(nullptr) is a
// no-op and is not counted.
#pragma once

#include <atomic>
#include <cstdint>

#include "pipepool/detail/striped_counter.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool::internal {

class HeapAllocator final : public PageAllocator {
 public:
  [[nodiscard]] void* allocate() noexcept override;
  void free(void* page) noexcept override;
  [[nodiscard]] std::string_view name() const noexcept override { return "heap"; }
  [[nodiscard]] AllocatorStats stats() const noexcept override;

 private:
  detail::StripedCounter allocations_;  // from any thread: striped, not one shared line
  detail::StripedCounter frees_;
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace pipepool::internal
