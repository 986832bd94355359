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
#include <optional>
#include <system_error>
#include <utility>

#include "shrinker/pressure_files.hpp"
#include "shrinker/registry.hpp"

namespace pipepool::shrinker {
namespace {

struct Selected {
  int fd = -1;
  std::string source;  // "cgroup", "psi", "manual" or "none: <reason>"
  std::string path;
  std::string trigger;
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

std::size_t on_pressure_event(bool reclaim_all) noexcept {
  Registry& registry = Registry::instance();
  registry.note_pressure_event();
  const std::size_t held = registry.count();
  return registry.scan(reclaim_all ? held : held / 2 + held % 2);
}

Monitor& Monitor::instance() {
  static Monitor monitor;
  return monitor;
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
    close_fd(selected.fd);
    selected = {};
    selected.source = "none: eventfd: " + std::string(std::strerror(errno));
  }
  {
    std::lock_guard lock(status_mutex_);
    status_ = {wake_fd >= 0, selected.source, selected.path, selected.trigger, options.idle_age};
  }
  if (wake_fd < 0) return selected.source;
  wake_fd_ = wake_fd;
  trigger_fd_ = selected.fd;
  try {
    thread_ = std::thread(
        [this, wake_fd, fd = selected.fd, age = options.idle_age] { run(wake_fd, fd, age); });
    // Named from here, not from the thread, so the name is set when start() returns (tools and
    // tests find the monitor by it in /proc/self/task/*/comm).
    ::pthread_setname_np(thread_.native_handle(), kMonitorThreadName);
  } catch (const std::system_error& e) {
    close_fd(wake_fd_);
    close_fd(trigger_fd_);
    selected.source = "none: thread: " + std::string(e.what());
    std::lock_guard lock(status_mutex_);
    status_ = {false, selected.source, "", "", options.idle_age};
  }
  return selected.source;
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
  reclaim_all_.store(false, std::memory_order_relaxed);
  std::lock_guard lock(status_mutex_);
  status_ = {false, "off", "", "", std::chrono::milliseconds{0}};
}

PressureStatus Monitor::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void Monitor::set_source(std::string source, bool running) {
  std::lock_guard lock(status_mutex_);
  status_.running = running;
  status_.source = std::move(source);
  status_.path.clear();
  status_.trigger.clear();
}

// Waits on the eventfd (stop), the trigger (POLLPRI: pressure; POLLERR: the file went away) and,
// with an idle age, a timeout that runs the idle trim every idle_age / 2.
void Monitor::run(int wake_fd, int trigger_fd, std::chrono::milliseconds idle_age) noexcept {
  using Clock = std::chrono::steady_clock;
  pollfd fds[2] = {{wake_fd, POLLIN, 0}, {trigger_fd, POLLPRI, 0}};
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
    const int ready = ::poll(fds, 2, timeout);
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
    if (idle && Clock::now() >= next_idle) {
      const auto age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(idle_age).count();
      Registry::instance().trim_idle(static_cast<std::uint64_t>(age_ns));
      next_idle = Clock::now() + tick;
    }
  }
}

}  // namespace pipepool::shrinker
