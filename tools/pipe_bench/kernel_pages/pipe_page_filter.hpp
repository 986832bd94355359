// The tracepoint filters that select pipe pages. An anonymous pipe's page is an order-0 page
// allocated with GFP_HIGHUSER | __GFP_ACCOUNT: __GFP_HIGHMEM and __GFP_ACCOUNT set, __GFP_MOVABLE
// clear (user memory that faults in is movable; accounted kernel memory is not HIGHMEM).
// docs/ARCHITECTURE.md ("Kernel page counters") says how this was checked.
#pragma once

#include <string>

#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace pipe_bench::kernel_pages {

struct FilterText {
  std::string filter;  // empty when `error` is set
  std::string error;   // one line: the field or flag the format lacks
};

// For kmem:mm_page_alloc, with the flag values the event's own format file gives.
[[nodiscard]] FilterText pipe_page_alloc_filter(const TracepointFormat& format);

// For kmem:mm_page_free: order-0 frees (a pipe page is freed one at a time through put_page).
[[nodiscard]] FilterText pipe_page_free_filter(const TracepointFormat& format);

}  // namespace pipe_bench::kernel_pages
