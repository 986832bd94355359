// Locating and arming the kernel's memory-pressure triggers (private).
//
// A PSI trigger is armed by writing "<some|full> <stall us> <window us>" to a pressure file
// (/proc/pressure/memory, or memory.pressure of a cgroup v2 directory) kept open; the kernel then
// raises POLLPRI on that descriptor when the stall in a window exceeds the threshold, and POLLERR
// when the file goes away (its cgroup is removed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pipepool::shrinker {

struct TriggerSpec {
  std::string kind;  // "some" or "full"
  std::uint64_t stall_us = 0;
  std::uint64_t window_us = 0;
  [[nodiscard]] std::string text() const;
};

// Parses "<some|full> <stall us> <window us>" with 0 < stall <= window; nullopt otherwise.
[[nodiscard]] std::optional<TriggerSpec> parse_trigger(const std::string& text);

// The same trigger with the window rounded up to a multiple of 2 s (the unprivileged rule of
// Linux >= 6.5) and the stall scaled to keep the ratio.
[[nodiscard]] TriggerSpec unprivileged_trigger(const TriggerSpec& spec);

struct ArmedTrigger {
  int fd = -1;          // open pressure file with a trigger registered; -1 on failure
  std::string trigger;  // the trigger registered (may be the unprivileged variant)
  std::string error;    // why it failed: "<path>: <reason>"
};

// Opens `path` and registers `spec`; on EINVAL with a window that is not a multiple of 2 s,
// retries once with unprivileged_trigger(spec). The caller owns the returned fd.
[[nodiscard]] ArmedTrigger arm_trigger(const std::string& path, const TriggerSpec& spec);

struct CgroupDir {
  std::string dir;    // absolute directory of our cgroup in the cgroup2 mount
  bool root = false;  // we are in the root cgroup (its pressure is the system's)
};

// Our cgroup v2 directory, from /proc/self/cgroup ("0::<path>") and the cgroup2 mount point in
// /proc/self/mountinfo. On failure returns nullopt and sets `why`.
[[nodiscard]] std::optional<CgroupDir> own_cgroup_dir(std::string& why);

// ---- cgroup v2 memory.events -------------------------------------------------------------
//
// memory.events holds "<key> <count>" lines (low, high, max, oom, oom_kill, ...). The kernel
// raises POLLPRI|POLLERR on an open descriptor of it when a counter changes, and keeps raising
// them until the file is read again (also right after open, before the first read). When the
// cgroup is removed, poll raises the same bits and every read fails with ENODEV.

struct MemoryEvents {
  std::uint64_t high = 0;  // times usage went over memory.high (reclaim was forced)
  std::uint64_t max = 0;   // times usage was about to go over memory.max
  std::uint64_t oom = 0;   // times the cgroup hit its limit and allocation failed
};

// Parses memory.events text; nullopt unless the high, max and oom lines are all there. Unknown
// keys are ignored.
[[nodiscard]] std::optional<MemoryEvents> parse_memory_events(const std::string& text);

// How much each pressure counter grew from `before` to `after` (0 where it did not grow).
[[nodiscard]] MemoryEvents memory_events_increase(const MemoryEvents& before,
                                                  const MemoryEvents& after);
[[nodiscard]] inline bool any_increase(const MemoryEvents& d) {
  return d.high != 0 || d.max != 0 || d.oom != 0;
}

// Reads and parses the whole file from offset 0 (which also clears a pending notification).
// On failure returns nullopt and sets `error` ("<reason>").
[[nodiscard]] std::optional<MemoryEvents> read_memory_events(int fd, std::string& error);

struct OpenedEvents {
  int fd = -1;              // open memory.events, already read once; -1 on failure
  MemoryEvents baseline{};  // its counters at open
  std::string error;        // why it failed: "<path>: <reason>"
};

// Opens memory.events at `path` and reads its counters. The caller owns the returned fd.
[[nodiscard]] OpenedEvents open_memory_events(const std::string& path);

}  // namespace pipepool::shrinker
