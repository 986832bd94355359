// The legacy policy: tmp_page[2]. No prefill and no trim: every allocation and every free
// happens under the pipe mutex.
#include "pools/legacy.hpp"

#include <utility>

#include "pools/policies.hpp"

namespace pipepool::pools {

LegacyPool::LegacyPool(std::shared_ptr<PageAllocator> allocator) noexcept
    : PagePool(std::move(allocator)) {}

LegacyPool::~LegacyPool() {
  for (void*& slot : tmp_page_) {
    free_in_lock(slot);
    slot = nullptr;
  }
  update_size();
}

void* LegacyPool::get_page(PageBatch& /*burst*/) noexcept {
  if (void* page = take_cached()) {
    count_hit();
    return page;
  }
  return alloc_in_lock();
}

void LegacyPool::put_page(void* page) noexcept {
  if (page == nullptr) return;
  if (!keep(page)) free_in_lock(page);
}

void* LegacyPool::take_cached() noexcept {
  for (void*& slot : tmp_page_) {
    if (slot != nullptr) {
      void* page = std::exchange(slot, nullptr);
      update_size();
      return page;
    }
  }
  return nullptr;
}

bool LegacyPool::keep(void* page) noexcept {
  for (void*& slot : tmp_page_) {
    if (slot == nullptr) {
      slot = page;
      update_size();
      return true;
    }
  }
  return false;
}

void LegacyPool::update_size() noexcept {
  std::uint64_t n = 0;
  for (void* slot : tmp_page_) n += slot != nullptr ? 1 : 0;
  set_pool_size(n);
}

std::unique_ptr<PagePool> make_legacy_pool(std::shared_ptr<PageAllocator> allocator) {
  return std::make_unique<LegacyPool>(std::move(allocator));
}

}  // namespace pipepool::pools
