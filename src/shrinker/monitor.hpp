// The memory-pressure monitor (private): one background thread that waits on a kernel pressure
// trigger (cgroup v2 or system PSI), cgroup v2 memory.events where present, and an eventfd used to
// stop it, reclaims on each event, and runs the idle trim every idle_age / 2. The public API is in
// pipepool/shrinker.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "pipepool/shrinker.hpp"
#include "shrinker/pressure_files.hpp"

namespace pipepool::internal {
class GlobalLocks;
}  // namespace pipepool::internal

namespace pipepool::shrinker {

// The pressure monitor thread's name (at most 15 characters, as the kernel's comm).
inline constexpr char kMonitorThreadName[] = "pp-pressure";

// One pressure event: counted, then count()/2 (rounded up) or all pages reclaimed, LRU first.
// Returns the pages freed.
std::size_t on_pressure_event(bool reclaim_all) noexcept;

// A change of memory.events read as `now`: counted; when high, max or oom grew since `baseline`,
// handled as one pressure event. `baseline` becomes `now`. Returns the pages freed.
std::size_t on_memory_events(MemoryEvents& baseline, const MemoryEvents& now,
                             bool reclaim_all) noexcept;

class Monitor {
 public:
  // The process-wide monitor; stopped when static objects are destroyed.
  [[nodiscard]] static Monitor& instance();
  ~Monitor();

  std::string start(const PressureOptions& options);
  void stop() noexcept;
  [[nodiscard]] PressureStatus status() const;
  [[nodiscard]] bool reclaim_all() const noexcept {
    return reclaim_all_.load(std::memory_order_relaxed);
  }

  // In the child of fork(), with both locks taken by the prepare handler (internal/fork_guard.hpp):
  // the monitor thread exists only in the parent, so the child's monitor is stopped: the thread
  // handle is forgotten (never joined), the child's copies of the descriptors are closed (the
  // parent's thread keeps its own; writing the shared eventfd would stop it), the status is
  // "off", and both locks are released. start() in the child starts a thread of its own.
  void after_fork_child() noexcept;

 private:
  friend class internal::GlobalLocks;
  Monitor() = default;
  void run(int wake_fd, int trigger_fd, int events_fd, MemoryEvents baseline,
           std::chrono::milliseconds idle_age) noexcept;
  void stop_locked() noexcept;  // control_ held
  void set_source(std::string source, bool running);
  void lose_events(const std::string& why);

  std::mutex control_;  // serialises start and stop; guards thread_ and the descriptors
  std::thread thread_;
  int wake_fd_ = -1;     // eventfd: written by stop()
  int trigger_fd_ = -1;  // armed pressure file, or -1
  int events_fd_ = -1;   // watched memory.events, or -1
  std::atomic<bool> reclaim_all_{false};

  mutable std::mutex status_mutex_;
  PressureStatus status_{false, "off", "", "", std::chrono::milliseconds{0},
                         "",    ""};  // status_mutex_
};

}  // namespace pipepool::shrinker
