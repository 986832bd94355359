// Helpers shared by the allocator tests: tag a whole page with a pattern and check it, so a page
// handed out twice, a short page or a use after free shows up.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pipepool/page_allocator.hpp"

namespace pipepool::alloc_test {

inline constexpr std::size_t kWordsPerPage = kPageSize / sizeof(std::uint64_t);

// Writes every byte of the page: word i holds tag ^ i.
inline void fill_page(void* page, std::uint64_t tag) {
  auto* words = static_cast<std::uint64_t*>(page);
  for (std::size_t i = 0; i < kWordsPerPage; ++i) words[i] = tag ^ i;
}

// True if every word still holds what fill_page(page, tag) wrote.
[[nodiscard]] inline bool page_holds(const void* page, std::uint64_t tag) {
  const auto* words = static_cast<const std::uint64_t*>(page);
  for (std::size_t i = 0; i < kWordsPerPage; ++i) {
    if (words[i] != (tag ^ i)) return false;
  }
  return true;
}

[[nodiscard]] inline bool page_is_zero(const void* page) {
  const auto* words = static_cast<const std::uint64_t*>(page);
  for (std::size_t i = 0; i < kWordsPerPage; ++i) {
    if (words[i] != 0) return false;
  }
  return true;
}

[[nodiscard]] inline bool page_aligned(const void* page) {
  return reinterpret_cast<std::uintptr_t>(page) % kPageSize == 0;
}

}  // namespace pipepool::alloc_test
