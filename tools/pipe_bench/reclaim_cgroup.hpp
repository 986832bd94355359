// A memory cgroup in which page allocation has to reclaim, for as long as the object lives.
//
// start() creates a memory cgroup of its own (cgroup_location.hpp: v2 when its memory controller
// is available, else v1), named pipe_bench-<pid>, sets its limit, and starts a page-cache child
// in it: the child reads through a sparse file twice the limit on a disk filesystem (not tmpfs,
// whose pages cannot be reclaimed without swap), unlinked as soon as it is created, then keeps
// the cgroup's usage within 512 KiB of the limit by reading on whenever there is room. Once the
// cgroup is full and its reclaim counters have settled (the fill itself reclaims; then the cgroup
// is quiet until someone else allocates), start() moves the calling process (all its threads) into
// it: every page it or its children allocate from then on (kernel pipe pages, mmap'ed and faulted
// pages, page tables) is charged to the cgroup and has to reclaim page cache first. The cost: the
// child polls the cgroup's usage every 5 ms and reads when there is room, taking a little CPU.
//
// stop() (also run by the destructor) moves the process back to the cgroup it came from,
// SIGKILLs and reaps the child (its exit frees the unlinked file and its page cache) and removes
// the cgroup it created, by the path it recorded, and nothing else. The same is registered for
// the emergency paths of signals.hpp (a second Ctrl-C, std::exit, std::terminate). Call start()
// and stop() from one long-lived thread: the child is told to die with the thread that forked it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "pipe_bench/reclaim_counters.hpp"

namespace pipe_bench {

struct ReclaimSpec {
  // The cgroup's memory limit; 0 chooses usage + headroom: the caller's resident memory now,
  // plus `working_set_bytes` (what the caller will allocate that cannot be reclaimed, e.g.
  // thread buffers), plus `headroom_bytes`.
  std::uint64_t limit_bytes = 0;
  std::uint64_t headroom_bytes = std::uint64_t{256} << 20;
  std::uint64_t working_set_bytes = 0;
  std::string cache_dir = "/var/tmp";  // where the page-cache file is made (unlinked at once)
  std::chrono::milliseconds fill_timeout{60000};
  // After the fill: how long to watch the counters with the caller idle (not yet moved in), as
  // the reference of what the cgroup does without it (idle_delta()); 0 skips it.
  std::chrono::milliseconds idle_probe{500};
};

class ReclaimCgroup {
 public:
  // nullptr with `error` set (one line, no trailing newline) when the cgroup cannot be made or
  // filled; everything made so far is removed again. `cancel`, when it becomes true, aborts the
  // wait for the fill.
  [[nodiscard]] static std::unique_ptr<ReclaimCgroup> start(
      const ReclaimSpec& spec, std::string& error, const std::atomic<bool>* cancel = nullptr);
  // Why start() would fail here, checked without creating anything (where the cgroup would go,
  // whether that directory is writable, the cache directory's file system); nullopt when it
  // looks possible.
  [[nodiscard]] static std::optional<std::string> unavailable(const ReclaimSpec& spec);
  ~ReclaimCgroup();
  ReclaimCgroup(const ReclaimCgroup&) = delete;
  ReclaimCgroup& operator=(const ReclaimCgroup&) = delete;

  // The cgroup's counters and /proc/vmstat's, now.
  [[nodiscard]] ReclaimCounters read() const;
  // False, with `why` set, once the page-cache child has exited.
  [[nodiscard]] bool cache_child_running(std::string& why);
  // "usage peaked at 301.0 MiB of its 300.0 MiB limit" (v1 max_usage_in_bytes, v2 memory.peak,
  // else the current usage).
  [[nodiscard]] std::string usage_note() const;
  // "cgroup v1 /sys/fs/cgroup/memory/pipe_bench-42".
  [[nodiscard]] std::string source() const;

  // How much the counters grew during spec.idle_probe before the caller moved in: the page-cache
  // child's own reclaim, the background of every later measurement (nullopt if skipped).
  [[nodiscard]] const std::optional<ReclaimCounters>& idle_delta() const noexcept { return idle_; }
  [[nodiscard]] double idle_probe_s() const noexcept { return idle_s_; }
  [[nodiscard]] int version() const noexcept { return version_; }
  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }
  [[nodiscard]] std::uint64_t limit_bytes() const noexcept { return limit_; }
  [[nodiscard]] std::uint64_t cache_file_bytes() const noexcept { return file_bytes_; }
  [[nodiscard]] const std::string& cache_dir() const noexcept { return cache_dir_; }
  [[nodiscard]] pid_t cache_child() const noexcept { return child_; }

  // Idempotent. False, with `error` set, when something could not be undone (the cgroup could
  // not be removed, or the process not moved back).
  bool stop(std::string& error) noexcept;

 private:
  ReclaimCgroup() = default;
  // Once the child is reaped, the emergency cleanup must not signal its (reusable) pid.
  void forget_child() const;
  // Waits until the cgroup's reclaim counters stand still for 200 ms (or `deadline`, or cancel).
  void settle(std::chrono::steady_clock::time_point deadline,
              const std::atomic<bool>* cancel) const;

  int version_ = 0;
  std::string dir_;          // the cgroup created, removed by stop()
  std::string restore_dir_;  // the cgroup the process was in
  std::string cache_dir_;
  std::uint64_t limit_ = 0;
  std::uint64_t file_bytes_ = 0;
  pid_t child_ = 0;
  bool child_reaped_ = false;
  int child_status_ = 0;
  bool moved_ = false;
  bool created_ = false;
  std::optional<ReclaimCounters> idle_;
  double idle_s_ = 0;
};

}  // namespace pipe_bench
