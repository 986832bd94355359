// Locating and arming the kernel's memory-pressure triggers.
#include "shrinker/pressure_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pipepool::shrinker {
namespace {

constexpr std::uint64_t kUnprivilegedWindowUs = 2'000'000;

std::string errno_text(int e) {
  return std::strerror(e);
}

// Writes the trigger, NUL included (the kernel's documented form). Returns 0 or an errno.
int write_trigger(int fd, const std::string& text) {
  const ssize_t n = ::write(fd, text.c_str(), text.size() + 1);
  if (n < 0) return errno;
  return 0;
}

}  // namespace

std::string TriggerSpec::text() const {
  return kind + " " + std::to_string(stall_us) + " " + std::to_string(window_us);
}

std::optional<TriggerSpec> parse_trigger(const std::string& text) {
  std::istringstream in(text);
  TriggerSpec spec;
  std::string extra;
  if (!(in >> spec.kind >> spec.stall_us >> spec.window_us) || (in >> extra)) return std::nullopt;
  if (spec.kind != "some" && spec.kind != "full") return std::nullopt;
  if (spec.stall_us == 0 || spec.window_us == 0 || spec.stall_us > spec.window_us) {
    return std::nullopt;
  }
  return spec;
}

TriggerSpec unprivileged_trigger(const TriggerSpec& spec) {
  TriggerSpec out = spec;
  out.window_us =
      (spec.window_us + kUnprivilegedWindowUs - 1) / kUnprivilegedWindowUs * kUnprivilegedWindowUs;
  out.stall_us = spec.stall_us * out.window_us / spec.window_us;
  return out;
}

ArmedTrigger arm_trigger(const std::string& path, const TriggerSpec& spec) {
  ArmedTrigger armed;
  const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    armed.error = path + ": " + errno_text(errno);
    return armed;
  }
  int e = write_trigger(fd, spec.text());
  std::string used = spec.text();
  if (e == EINVAL && spec.window_us % kUnprivilegedWindowUs != 0) {
    const TriggerSpec retry = unprivileged_trigger(spec);
    const int e2 = write_trigger(fd, retry.text());
    if (e2 == 0) used = retry.text();
    e = e2;
  }
  if (e != 0) {
    ::close(fd);
    armed.error = path + ": trigger \"" + spec.text() + "\" refused: " + errno_text(e);
    return armed;
  }
  armed.fd = fd;
  armed.trigger = used;
  return armed;
}

std::optional<CgroupDir> own_cgroup_dir(std::string& why) {
  std::ifstream cgroup("/proc/self/cgroup");
  if (!cgroup) {
    why = "/proc/self/cgroup: cannot read";
    return std::nullopt;
  }
  std::string rel;
  for (std::string line; std::getline(cgroup, line);) {
    if (line.rfind("0::", 0) == 0) {
      rel = line.substr(3);
      break;
    }
  }
  if (rel.empty()) {
    why = "no cgroup v2 membership in /proc/self/cgroup";
    return std::nullopt;
  }
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string mount_point;
  for (std::string line; std::getline(mountinfo, line);) {
    // "<id> <parent> <maj:min> <root> <mount point> <options> [optional...] - <fstype> ..."
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, dev, root;
    if (fields >> id >> parent >> dev >> root >> mount_point) break;
    mount_point.clear();
  }
  if (mount_point.empty()) {
    why = "no cgroup2 file system mounted";
    return std::nullopt;
  }
  CgroupDir dir;
  dir.root = rel == "/";
  dir.dir = dir.root ? mount_point : mount_point + rel;
  return dir;
}

std::optional<MemoryEvents> parse_memory_events(const std::string& text) {
  std::istringstream in(text);
  MemoryEvents events;
  unsigned seen = 0;
  std::string key;
  std::uint64_t value = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    if (!(fields >> key >> value)) continue;
    if (key == "high") {
      events.high = value;
      seen |= 1;
    } else if (key == "max") {
      events.max = value;
      seen |= 2;
    } else if (key == "oom") {
      events.oom = value;
      seen |= 4;
    }
  }
  if (seen != 7) return std::nullopt;
  return events;
}

MemoryEvents memory_events_increase(const MemoryEvents& before, const MemoryEvents& after) {
  const auto grew = [](std::uint64_t a, std::uint64_t b) { return b > a ? b - a : 0; };
  return {grew(before.high, after.high), grew(before.max, after.max), grew(before.oom, after.oom)};
}

std::optional<MemoryEvents> read_memory_events(int fd, std::string& error) {
  char buf[1024];
  const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  if (n < 0) {
    error = errno_text(errno);
    return std::nullopt;
  }
  auto events = parse_memory_events(std::string(buf, static_cast<std::size_t>(n)));
  if (!events) error = "no high/max/oom counters in it";
  return events;
}

OpenedEvents open_memory_events(const std::string& path) {
  OpenedEvents out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    out.error = path + ": " + errno_text(errno);
    return out;
  }
  std::string why;
  const std::optional<MemoryEvents> events = read_memory_events(fd, why);
  if (!events) {
    ::close(fd);
    out.error = path + ": " + why;
    return out;
  }
  out.fd = fd;
  out.baseline = *events;
  return out;
}

}  // namespace pipepool::shrinker
