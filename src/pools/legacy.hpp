// The legacy policy (Linux <= 7.1): cached pages in tmp_page (PoolSizes::legacy_cache slots, 2 by
// default as tmp_page[2]), everything under the mutex.
// Private; PreallocPool extends it.
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include "pipepool/page_pool.hpp"

namespace pipepool::pools {

class LegacyPool : public PagePool {
 public:
  LegacyPool(std::shared_ptr<PageAllocator> allocator, const PoolSizes& sizes) noexcept;
  // Frees the cached pages (counted as frees_in_lock, see page_pool.cpp).
  ~LegacyPool() override;

  [[nodiscard]] std::string_view name() const noexcept override { return "legacy"; }
  // First non-empty tmp_page slot (a pool hit), else a page allocated under the mutex.
  [[nodiscard]] void* get_page(PageBatch& burst) noexcept override;
  // Keeps the page in the first empty tmp_page slot, else frees it under the mutex.
  void put_page(void* page) noexcept override;

 protected:
  // Takes the page of the first non-empty slot, or nullptr. Does not count a hit.
  [[nodiscard]] void* take_cached() noexcept;
  // Stores `page` in the first empty slot; false when every slot is taken.
  [[nodiscard]] bool keep(void* page) noexcept;

 private:
  void update_size() noexcept;

  // Slots [0, slots_) are in use.
  std::array<void*, kPoolSizeLimit> tmp_page_{};
  const unsigned slots_;
};

}  // namespace pipepool::pools
