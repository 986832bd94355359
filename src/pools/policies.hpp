// Constructors of the concrete page-pool policies (private; the public entry point is make_pool).
// Each returns a pool that owns no pages yet; the pool frees the pages it still keeps when it is
// destroyed.
#pragma once

#include <cstddef>
#include <memory>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool::pools {

// Pages a write of `len` bytes may fill: ceil(len / kPageSize) capped at `max` (PoolSizes::max).
[[nodiscard]] constexpr unsigned burst_pages(std::size_t len, unsigned max) noexcept {
  const std::size_t pages = len / kPageSize + (len % kPageSize != 0 ? 1 : 0);
  return pages < max ? static_cast<unsigned>(pages) : max;
}

// `sizes` is valid (make_pool checks it).
[[nodiscard]] std::unique_ptr<PagePool> make_legacy_pool(std::shared_ptr<PageAllocator> allocator,
                                                         const PoolSizes& sizes);
[[nodiscard]] std::unique_ptr<PagePool> make_prealloc_pool(std::shared_ptr<PageAllocator> allocator,
                                                           const PoolSizes& sizes);
[[nodiscard]] std::unique_ptr<PagePool> make_unified_pool(std::shared_ptr<PageAllocator> allocator,
                                                          const PoolSizes& sizes);

}  // namespace pipepool::pools
