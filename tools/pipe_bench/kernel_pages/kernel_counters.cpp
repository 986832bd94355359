#include "pipe_bench/kernel_pages/kernel_counters.hpp"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"
#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace pipe_bench::kernel_pages {
namespace {

// 0 when `path` exists, else stat's errno.
int stat_error(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

bool exists(const std::string& path) {
  return stat_error(path) == 0;
}

// The events directory, mounting tracefs at the default place when it is absent and we may.
std::string ensure_events_dir(const std::string& root) {
  const std::string events = root + "/events";
  const int error = stat_error(events);
  if (error == 0) return {};
  if (error != ENOENT) {
    return fmt::format("cannot access {}: {}{}", events, std::strerror(error),
                       error == EACCES ? " (tracefs needs root)" : "");
  }
  if (root != kDefaultTracefs) return fmt::format("no tracefs at {}", root);
  if (::geteuid() != 0)
    return fmt::format("tracefs not mounted at {} (mounting it needs root)", root);
  if (::mount("nodev", root.c_str(), "tracefs", 0, nullptr) != 0) {
    return fmt::format("tracefs not mounted at {} and mount failed: {}", root,
                       std::strerror(errno));
  }
  if (!exists(events)) return fmt::format("tracefs mounted at {} has no events/", root);
  return {};
}

std::string read_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("cannot read {}: {}", path, std::strerror(errno != 0 ? errno : ENOENT));
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int perf_event_open(perf_event_attr& attr) {
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0 /* this thread */,
                                    -1 /* any CPU */, -1 /* no group */, 0UL));
}

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return in >> level ? level : std::string("?");
}

// Opens one tracepoint counter (disabled) with its filter; -1 and `error` on failure.
int open_counter(const std::string& root, const std::string& event,
                 FilterText (*make_filter)(const TracepointFormat&), std::string& error) {
  const std::string path = root + "/events/kmem/" + event + "/format";
  const std::string text = read_file(path, error);
  if (!error.empty()) return -1;
  const TracepointFormat format = parse_tracepoint_format(text);
  if (!format.id) {
    error = fmt::format("{} has no ID line", path);
    return -1;
  }
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
  const int fd = perf_event_open(attr);
  if (fd < 0) {
    const int e = errno;
    error = fmt::format(
        "perf_event_open(kmem:{}): {}{}", event, std::strerror(e),
        e == EACCES || e == EPERM
            ? fmt::format(" (perf_event_paranoid {}; needs root or CAP_PERFMON)", paranoid_level())
            : std::string());
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

OpenedCounters open_kernel_page_counters(const std::string& tracefs_root) {
  OpenedCounters out;
  out.unavailable = ensure_events_dir(tracefs_root);
  if (!out.unavailable.empty()) return out;
  const int alloc_fd =
      open_counter(tracefs_root, "mm_page_alloc", pipe_page_alloc_filter, out.unavailable);
  if (alloc_fd < 0) return out;
  const int free_fd =
      open_counter(tracefs_root, "mm_page_free", pipe_page_free_filter, out.unavailable);
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
