#include "pipe_bench/kernel_pages/kernel_counters.hpp"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pipe_bench/kernel_pages/perf_events.hpp"
#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"
#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace pipe_bench::kernel_pages {
namespace {

// Opens one tracepoint counter (disabled) on task `pid` with its filter; -1 and `error` on
// failure.
int open_counter(const std::string& root, const std::string& event, pid_t pid,
                 FilterText (*make_filter)(const TracepointFormat&), std::string& error) {
  TracepointFormat format;
  error = read_tracepoint_format(root, "kmem", event, format);
  if (!error.empty()) return -1;
  const FilterText filter = make_filter(format);
  if (!filter.error.empty()) {
    error = filter.error;
    return -1;
  }
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = *format.id;
  attr.disabled = 1;
  attr.inherit = 1;  // threads and processes started after this call count too
  const int fd = open_perf_event(attr, pid, -1 /* any CPU */);
  if (fd < 0) {
    error = perf_open_error("kmem:" + event, errno);
    return -1;
  }
  if (::ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter.filter.c_str()) != 0) {
    error = fmt::format("kmem:{} rejected the filter '{}': {}", event, filter.filter,
                        std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

bool read_count(int fd, std::uint64_t& value) {
  return ::read(fd, &value, sizeof(value)) == static_cast<ssize_t>(sizeof(value));
}

}  // namespace

OpenedCounters open_kernel_page_counters(const std::string& tracefs_root, pid_t pid) {
  OpenedCounters out;
  out.unavailable = ensure_events_dir(tracefs_root);
  if (!out.unavailable.empty()) return out;
  const int alloc_fd =
      open_counter(tracefs_root, "mm_page_alloc", pid, pipe_page_alloc_filter, out.unavailable);
  if (alloc_fd < 0) return out;
  const int free_fd =
      open_counter(tracefs_root, "mm_page_free", pid, pipe_page_free_filter, out.unavailable);
  if (free_fd < 0) {
    ::close(alloc_fd);
    return out;
  }
  out.counters = std::make_unique<KernelPageCounters>(alloc_fd, free_fd);
  if (::ioctl(alloc_fd, PERF_EVENT_IOC_ENABLE, 0) != 0 ||
      ::ioctl(free_fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
    out.unavailable = fmt::format("cannot enable the page counters: {}", std::strerror(errno));
    out.counters.reset();
  }
  return out;
}

KernelPageCounters::~KernelPageCounters() {
  ::close(alloc_fd_);
  ::close(free_fd_);
}

PageCounts KernelPageCounters::stop(std::string& error) noexcept {
  ::ioctl(alloc_fd_, PERF_EVENT_IOC_DISABLE, 0);
  ::ioctl(free_fd_, PERF_EVENT_IOC_DISABLE, 0);
  PageCounts counts;
  if (!read_count(alloc_fd_, counts.allocs) || !read_count(free_fd_, counts.frees)) {
    error = fmt::format("cannot read the page counters: {}", std::strerror(errno));
  }
  return counts;
}

}  // namespace pipe_bench::kernel_pages
