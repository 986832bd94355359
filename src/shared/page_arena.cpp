// The legacy (tmp_page) pool over a shared pipe's page arena (internal/shared_layout.hpp).
#include <algorithm>
#include <array>

#include "internal/shared_layout.hpp"

namespace pipepool::internal::shared {

std::uint32_t get_page(Header& h) noexcept {
  for (std::uint32_t i = 0; i < h.cache_size; ++i) {
    if (h.cache[i] != kNoPage) {
      const std::uint32_t page = h.cache[i];
      h.cache[i] = kNoPage;
      ++h.counters.cache_hits;
      return page;
    }
  }
  // The arena has a page for every slot and every cache slot: the stack is never empty here.
  ++h.counters.pages_taken;
  return h.free_pages[--h.free_count];
}

void put_page(Header& h, std::uint32_t page) noexcept {
  for (std::uint32_t i = 0; i < h.cache_size; ++i) {
    if (h.cache[i] == kNoPage) {
      h.cache[i] = page;
      std::uint64_t in_use = 0;
      for (std::uint32_t j = 0; j < h.cache_size; ++j) in_use += h.cache[j] != kNoPage ? 1 : 0;
      h.counters.cache_peak = std::max(h.counters.cache_peak, in_use);
      return;
    }
  }
  ++h.counters.pages_freed;
  h.free_pages[h.free_count++] = page;
}

void rebuild_free_pages(Header& h) noexcept {
  std::array<bool, kArenaPages> used{};
  for (std::uint32_t i = h.tail; i != h.head; ++i) {
    const std::uint32_t page = slot_at(h, i).page;
    if (page < kArenaPages) used[page] = true;
  }
  for (std::uint32_t i = 0; i < h.cache_size; ++i) {
    const std::uint32_t page = h.cache[i];
    if (page == kNoPage) continue;
    if (page >= kArenaPages || used[page]) {
      h.cache[i] = kNoPage;  // a page the ring holds too: the ring's copy is the live one
    } else {
      used[page] = true;
    }
  }
  h.free_count = 0;
  for (std::uint32_t p = 0; p < kArenaPages; ++p) {
    if (!used[p]) h.free_pages[h.free_count++] = p;
  }
}

}  // namespace pipepool::internal::shared
