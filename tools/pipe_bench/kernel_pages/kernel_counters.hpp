// Counts the kernel's pipe-page allocations and frees made by this thread and every thread and
// process it starts afterwards (perf_event_open on kmem:mm_page_alloc and kmem:mm_page_free,
// attr.inherit, filters from pipe_page_filter.hpp). Needs root (or CAP_PERFMON and a tracefs it
// may read); when the counters cannot be opened the reason is one line and nothing is counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace pipe_bench::kernel_pages {

inline constexpr const char* kDefaultTracefs = "/sys/kernel/tracing";
inline constexpr const char* kSourceName = "kernel tracepoints";

struct PageCounts {
  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
};

class KernelPageCounters {
 public:
  // Takes the two perf event descriptors (already enabled) and closes them when destroyed.
  KernelPageCounters(int alloc_fd, int free_fd) noexcept : alloc_fd_(alloc_fd), free_fd_(free_fd) {}
  ~KernelPageCounters();
  KernelPageCounters(const KernelPageCounters&) = delete;
  KernelPageCounters& operator=(const KernelPageCounters&) = delete;

  // Stops counting and returns the totals, children's included (threads must have been joined
  // and processes reaped for their counts to be in). A failed read sets `error` (one line).
  [[nodiscard]] PageCounts stop(std::string& error) noexcept;

 private:
  int alloc_fd_ = -1;
  int free_fd_ = -1;
};

struct OpenedCounters {
  std::unique_ptr<KernelPageCounters> counters;  // counting from now on; null on failure
  std::string unavailable;                       // why not, one line
};

// Opens and starts the counters on task `pid` (0: this thread) and the tasks it starts from now
// on. With the default root, a tracefs that is not mounted is mounted there when this process may
// (root); another root is used as it is (tests inject one).
[[nodiscard]] OpenedCounters open_kernel_page_counters(
    const std::string& tracefs_root = kDefaultTracefs, pid_t pid = 0);

}  // namespace pipe_bench::kernel_pages
