// The legacy policy: tmp_page. No prefill and no trim: every allocation and every free
// happens under the pipe mutex.
#include "pools/legacy.hpp"

#include <utility>

#include "pools/policies.hpp"

namespace pipepool::pools {

LegacyPool::LegacyPool(std::shared_ptr<PageAllocator> allocator, const PoolSizes& sizes) noexcept
    : PagePool(std::move(allocator), sizes), slots_(sizes.legacy_cache) {}

LegacyPool::~LegacyPool() {
  for (unsigned i = 0; i < slots_; ++i) {
    free_in_lock(tmp_page_[i]);
    tmp_page_[i] = nullptr;
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
  for (unsigned i = 0; i < slots_; ++i) {
    if (tmp_page_[i] != nullptr) {
      void* page = std::exchange(tmp_page_[i], nullptr);
      update_size();
      return page;
    }
  }
  return nullptr;
}

bool LegacyPool::keep(void* page) noexcept {
  for (unsigned i = 0; i < slots_; ++i) {
    if (tmp_page_[i] == nullptr) {
      tmp_page_[i] = page;
      update_size();
      return true;
    }
  }
  return false;
}

void LegacyPool::update_size() noexcept {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < slots_; ++i) n += tmp_page_[i] != nullptr ? 1 : 0;
  set_pool_size(n);
}

std::unique_ptr<PagePool> make_legacy_pool(std::shared_ptr<PageAllocator> allocator,
                                           const PoolSizes& sizes) {
  return std::make_unique<LegacyPool>(std::move(allocator), sizes);
}

}  // namespace pipepool::pools
