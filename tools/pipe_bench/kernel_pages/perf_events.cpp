#include "pipe_bench/kernel_pages/perf_events.hpp"

#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pipe_bench/kernel_pages/kernel_counters.hpp"

namespace pipe_bench::kernel_pages {
namespace {

// 0 when `path` exists, else stat's errno.
int stat_error(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return in >> level ? level : std::string("?");
}

}  // namespace

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
  if (stat_error(events) != 0) return fmt::format("tracefs mounted at {} has no events/", root);
  return {};
}

std::string read_tracepoint_format(const std::string& root, std::string_view system,
                                   std::string_view event, TracepointFormat& out) {
  const std::string path = fmt::format("{}/events/{}/{}/format", root, system, event);
  std::ifstream in(path);
  if (!in) {
    return fmt::format("cannot read {}: {}", path, std::strerror(errno != 0 ? errno : ENOENT));
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = parse_tracepoint_format(text.str());
  if (!out.id) return fmt::format("{} has no ID line", path);
  return {};
}

int open_perf_event(perf_event_attr& attr, pid_t pid, int cpu, int group_fd) {
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, 0UL));
}

std::string perf_open_error(std::string_view what, int error) {
  return fmt::format(
      "perf_event_open({}): {}{}", what, std::strerror(error),
      error == EACCES || error == EPERM
          ? fmt::format(" (perf_event_paranoid {}; needs root or CAP_PERFMON)", paranoid_level())
          : std::string());
}

}  // namespace pipe_bench::kernel_pages
