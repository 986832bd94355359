// AddressSanitizer poisoning of free pages. Allocators that keep free pages themselves (model, os)
// poison a page while it sits on their lists, so a use after free() is reported under ASan.
// Without ASan both calls compile to nothing.
#pragma once

#include <cstddef>

#include "pipepool/page_allocator.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define PIPEPOOL_ASAN 1
#endif

namespace pipepool::internal {

inline void poison_page([[maybe_unused]] void* page) noexcept {
#if defined(PIPEPOOL_ASAN)
  ASAN_POISON_MEMORY_REGION(page, kPageSize);
#endif
}

inline void unpoison_page([[maybe_unused]] void* page) noexcept {
#if defined(PIPEPOOL_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(page, kPageSize);
#endif
}

}  // namespace pipepool::internal
