// The memory-pressure monitor thread and the choice of its source.
#include "shrinker/monitor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "internal/fork_guard.hpp"
#include "shrinker/pressure_files.hpp"
#include "shrinker/registry.hpp"

namespace pipepool::shrinker {
namespace {

struct Selected {
  int fd = -1;
  std::string source;  // "cgroup", "psi", "manual" or "none: <reason>"
  std::string path;
  std::string trigger;
  int events_fd = -1;  // memory.events, or -1
  MemoryEvents baseline{};
  std::string events_path;
  std::string events_note;
};

// Tries one pressure file; on success fills `out` and returns true, else appends the reason.
bool try_arm(const std::string& label, const std::string& path, const TriggerSpec& spec,
             Selected& out, std::string& reasons) {
  ArmedTrigger armed = arm_trigger(path, spec);
  if (armed.fd >= 0) {
    out.fd = armed.fd;
    out.source = label;
    out.path = path;
    out.trigger = armed.trigger;
    return true;
  }
  if (!reasons.empty()) reasons += "; ";
  reasons += label + ": " + armed.error;
  return false;
}

// Our cgroup's memory.pressure, or nullopt with the reason appended. `allow_root`: accept the
// root cgroup (whose pressure is the system-wide one).
std::optional<std::string> cgroup_pressure_path(const PressureOptions& options, bool allow_root,
                                                std::string& reasons) {
  if (!options.cgroup_dir.empty()) return options.cgroup_dir + "/memory.pressure";
  std::string why;
  const std::optional<CgroupDir> dir = own_cgroup_dir(why);
  if (dir && (allow_root || !dir->root)) return dir->dir + "/memory.pressure";
  if (!reasons.empty()) reasons += "; ";
  reasons +=
      "cgroup: " + (dir ? std::string("in the root cgroup, whose pressure is the system's") : why);
  return std::nullopt;
}

// Our cgroup directory for memory.events (the root cgroup has none, but the open says so).
std::optional<std::string> events_dir(const PressureOptions& options, std::string& why) {
  if (!options.cgroup_dir.empty()) return options.cgroup_dir;
  const std::optional<CgroupDir> dir = own_cgroup_dir(why);
  if (!dir) return std::nullopt;
  return dir->dir;
}

// Opens memory.events for the automatic and cgroup sources; sets events_* in `out`.
void select_events(const PressureOptions& options, Selected& out) {
  if (!options.memory_events || options.source == PressureSource::psi ||
      options.source == PressureSource::manual) {
    return;
  }
  std::string why;
  const std::optional<std::string> dir = events_dir(options, why);
  if (!dir) {
    out.events_note = why;
    return;
  }
  const std::string path = *dir + "/memory.events";
  const OpenedEvents opened = open_memory_events(path);
  if (opened.fd < 0) {
    out.events_note = opened.error;
    return;
  }
  out.events_fd = opened.fd;
  out.baseline = opened.baseline;
  out.events_path = path;
}

// The source string: the PSI part, plus memory.events when it is watched.
std::string combined_source(const Selected& s) {
  if (s.events_fd < 0) return s.source;
  if (s.source.rfind("none: ", 0) == 0) return "memory.events (no PSI trigger: " + s.source + ")";
  return s.source + "+memory.events";
}

Selected select_source(const PressureOptions& options) {
  Selected out;
  if (options.source == PressureSource::manual) {
    out.source = "manual";
    return out;
  }
  const std::optional<TriggerSpec> spec = parse_trigger(options.trigger);
  if (!spec) {
    out.source = "none: invalid trigger \"" + options.trigger + "\"";
    return out;
  }
  select_events(options, out);
  std::string reasons;
  if (options.source != PressureSource::psi) {
    const bool allow_root = options.source == PressureSource::cgroup;
    if (auto path = cgroup_pressure_path(options, allow_root, reasons)) {
      if (try_arm("cgroup", *path, *spec, out, reasons)) return out;
    }
  }
  if (options.source != PressureSource::cgroup) {
    if (try_arm("psi", options.psi_path, *spec, out, reasons)) return out;
  }
  out.source = "none: " + reasons;
  return out;
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::size_t on_memory_events(MemoryEvents& baseline, const MemoryEvents& now,
                             bool reclaim_all) noexcept {
  const bool pressure = any_increase(memory_events_increase(baseline, now));
  baseline = now;
  Registry::instance().note_memory_events(pressure);
  return pressure ? on_pressure_event(reclaim_all) : 0;
}

std::size_t on_pressure_event(bool reclaim_all) noexcept {
  Registry& registry = Registry::instance();
  registry.note_pressure_event();
  const std::size_t held = registry.count();
  return registry.scan(reclaim_all ? held : held / 2 + held % 2);
}

Monitor& Monitor::instance() {
  internal::register_fork_handlers();
  static Monitor monitor;
  return monitor;
}

void Monitor::after_fork_child() noexcept {
  std::construct_at(&thread_);  // not joinable; the parent's handle is dropped, never destroyed
  close_fd(wake_fd_);
  close_fd(trigger_fd_);
  close_fd(events_fd_);
  reclaim_all_.store(false, std::memory_order_relaxed);
  // Short strings: no allocation (and none can fail) in the child's handler.
  status_.running = false;
  status_.source = "off";
  status_.path.clear();
  status_.trigger.clear();
  status_.idle_age = std::chrono::milliseconds{0};
  status_.events_path.clear();
  status_.events_note.clear();
  status_mutex_.unlock();
  control_.unlock();
}

Monitor::~Monitor() {
  stop();
}

std::string Monitor::start(const PressureOptions& options) {
  std::lock_guard control(control_);
  stop_locked();  // a restart stops the running thread first
  reclaim_all_.store(options.reclaim_all, std::memory_order_relaxed);
  Selected selected = select_source(options);
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    const int e = errno;
    close_fd(selected.fd);
    close_fd(selected.events_fd);
    selected = {};
    selected.source = "none: eventfd: " + std::string(std::strerror(e));
  }
  std::string source = combined_source(selected);
  {
    std::lock_guard lock(status_mutex_);
    status_ = {wake_fd >= 0,        source,           selected.path,
               selected.trigger,    options.idle_age, selected.events_path,
               selected.events_note};
  }
  if (wake_fd < 0) return source;
  wake_fd_ = wake_fd;
  trigger_fd_ = selected.fd;
  events_fd_ = selected.events_fd;
  try {
    thread_ = std::thread([this, wake_fd, fd = selected.fd, efd = selected.events_fd,
                           base = selected.baseline,
                           age = options.idle_age] { run(wake_fd, fd, efd, base, age); });
    // Named from here, not from the thread, so the name is set when start() returns (tools and
    // tests find the monitor by it in /proc/self/task/*/comm).
    ::pthread_setname_np(thread_.native_handle(), kMonitorThreadName);
  } catch (const std::system_error& e) {
    close_fd(wake_fd_);
    close_fd(trigger_fd_);
    close_fd(events_fd_);
    source = "none: thread: " + std::string(e.what());
    std::lock_guard lock(status_mutex_);
    status_ = {false, source, "", "", options.idle_age, "", ""};
  }
  return source;
}

void Monitor::stop() noexcept {
  std::lock_guard control(control_);
  stop_locked();
}

void Monitor::stop_locked() noexcept {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  close_fd(wake_fd_);
  close_fd(trigger_fd_);
  close_fd(events_fd_);
  reclaim_all_.store(false, std::memory_order_relaxed);
  std::lock_guard lock(status_mutex_);
  status_ = {false, "off", "", "", std::chrono::milliseconds{0}, "", ""};
}

PressureStatus Monitor::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void Monitor::set_source(std::string source, bool running) {
  std::lock_guard lock(status_mutex_);
  status_.running = running;
  // memory.events, when still watched, stays in the source string.
  status_.source = status_.events_path.empty() ? std::move(source)
                                               : "memory.events (no PSI trigger: " + source + ")";
  status_.path.clear();
  status_.trigger.clear();
}

void Monitor::lose_events(const std::string& why) {
  std::lock_guard lock(status_mutex_);
  status_.events_note = status_.events_path + ": lost: " + why;
  status_.events_path.clear();
  const std::string suffix = "+memory.events";
  const std::string& s = status_.source;
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
    status_.source.erase(s.size() - suffix.size());
  } else if (s.rfind("memory.events", 0) == 0) {
    status_.source = "none: memory.events lost: " + why;
  }
}

// Waits on the eventfd (stop), the trigger (POLLPRI: pressure; POLLERR: the file went away),
// memory.events (POLLPRI|POLLERR: changed, or its cgroup is gone, which the re-read tells apart
// by failing) and, with an idle age, a timeout that runs the idle trim every idle_age / 2.
void Monitor::run(int wake_fd, int trigger_fd, int events_fd, MemoryEvents baseline,
                  std::chrono::milliseconds idle_age) noexcept {
  using Clock = std::chrono::steady_clock;
  pollfd fds[3] = {{wake_fd, POLLIN, 0}, {trigger_fd, POLLPRI, 0}, {events_fd, POLLPRI, 0}};
  const bool idle = idle_age.count() > 0;
  const auto tick = std::max(std::chrono::milliseconds{1}, idle_age / 2);
  auto next_idle = Clock::now() + tick;
  for (;;) {
    int timeout = -1;
    if (idle) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(next_idle - Clock::now()).count();
      timeout = static_cast<int>(std::clamp<std::int64_t>(left, 0, INT_MAX));
    }
    const int ready = ::poll(fds, 3, timeout);
    if (ready < 0 && errno != EINTR) {
      const int e = errno;
      try {
        set_source("none: poll: " + std::string(std::strerror(e)), false);
      } catch (...) {
      }
      return;
    }
    if (ready > 0 && fds[0].revents != 0) return;  // stop()
    if (ready > 0 && (fds[1].revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) {
      fds[1].fd = -1;  // the pressure file is gone (e.g. cgroup removed); stop() closes it
      try {
        set_source("none: pressure trigger lost (POLLERR)", true);
      } catch (...) {
      }
    } else if (ready > 0 && (fds[1].revents & POLLPRI) != 0) {
      on_pressure_event(reclaim_all());
    }
    if (ready > 0 && (fds[2].revents & (POLLPRI | POLLERR | POLLNVAL | POLLHUP)) != 0) {
      std::string why;
      const std::optional<MemoryEvents> now =
          (fds[2].revents & POLLNVAL) != 0 ? std::nullopt : read_memory_events(fds[2].fd, why);
      if (now) {
        on_memory_events(baseline, *now, reclaim_all());
      } else {
        fds[2].fd = -1;  // stop() closes it
        try {
          lose_events(why.empty() ? "POLLNVAL" : why);
        } catch (...) {
        }
      }
    }
    if (idle && Clock::now() >= next_idle) {
      const auto age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(idle_age).count();
      Registry::instance().trim_idle(static_cast<std::uint64_t>(age_ns));
      next_idle = Clock::now() + tick;
    }
  }
}

}  // namespace pipepool::shrinker
