// Interruption (SIGINT / SIGTERM) and last-resort cleanup of what --memory-pressure started: the
// stress-ng process group, or the memory cgroup with its page-cache child.
//
// After install_interrupt_handlers(): the first SIGINT or SIGTERM sets the interrupt flag, which
// the runner and the workloads poll (the run stops, cleans up, and pipe_bench exits 130); a second
// one SIGKILLs the registered process group, dismantles the registered cgroup and _exit(130)s at
// once. Both are also cleaned up by std::exit (atexit) and std::terminate, so that no exit path
// leaves them behind. The cleanup is async-signal-safe (open, write, kill, waitpid, rmdir).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>

namespace pipe_bench {

inline constexpr int kInterruptedExitCode = 130;  // 128 + SIGINT, as shells report it

// Idempotent.
void install_interrupt_handlers();
[[nodiscard]] const std::atomic<bool>& interrupt_flag() noexcept;
[[nodiscard]] bool interrupted() noexcept;

// The process group to kill on an emergency exit; 0 for none.
void set_emergency_group(pid_t pgid) noexcept;

// The memory cgroup to dismantle on an emergency exit: write our pid to `restore_procs` (the
// cgroup.procs of the cgroup we came from), SIGKILL and reap `child`, rmdir `dir` (the cgroup
// pipe_bench created, and nothing else). The strings are copied; false if one is longer than
// 4095 bytes (nothing is registered then). Not thread-safe against itself: call from one thread.
bool set_emergency_cgroup(const std::string& dir, const std::string& restore_procs,
                          pid_t child) noexcept;
void clear_emergency_cgroup() noexcept;
// What the emergency paths run for the cgroup; idempotent, async-signal-safe.
void emergency_cgroup_cleanup() noexcept;

}  // namespace pipe_bench
