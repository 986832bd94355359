// Interruption (SIGINT / SIGTERM) and last-resort cleanup of the memory-pressure process group.
//
// After install_interrupt_handlers(): the first SIGINT or SIGTERM sets the interrupt flag, which
// the runner and the workloads poll (the run stops, cleans up, and pipe_bench exits 130); a second
// one SIGKILLs the registered process group and _exit(130)s at once. The registered group is also
// SIGKILLed by std::exit (atexit) and std::terminate, so that no exit path leaves it running.
#pragma once

#include <sys/types.h>

#include <atomic>

namespace pipe_bench {

inline constexpr int kInterruptedExitCode = 130;  // 128 + SIGINT, as shells report it

// Idempotent.
void install_interrupt_handlers();
[[nodiscard]] const std::atomic<bool>& interrupt_flag() noexcept;
[[nodiscard]] bool interrupted() noexcept;

// The process group to kill on an emergency exit; 0 for none.
void set_emergency_group(pid_t pgid) noexcept;

}  // namespace pipe_bench
