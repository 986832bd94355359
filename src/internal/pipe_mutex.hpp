// The pipe mutex: a futex mutex that spins before it sleeps, in the spirit of the kernel's
// optimistic spinning on a running owner. Meets the Lockable requirements for std::unique_lock.
//
// Spinning. The kernel's mutex spins for as long as its owner runs on a CPU. User space cannot
// see whether the owner runs, so the spinner watches the owner's progress instead: an owner that
// holds the lock for long reports it (note_progress: the pipe calls it once per page it copies
// under the lock), and a spinner goes on while the owner's progress shows at least every kSpinNs,
// up to kSpinMaxNs in all; when the owner stops showing progress (preempted, or a page fault that
// sleeps) the spinner sleeps in the futex. The bounds are time, not iterations: a `pause` costs
// 10-140 cycles depending on the CPU.
//
// Spinner first (set_spinner_first, the kernel copy mode's pipes). A kernel pipe call cannot take
// the mutex again before it has returned to user space and entered the next call, so a spinning
// waiter gets the mutex first. A user-space caller can be back in lock() within nanoseconds and
// take it again before the spinner sees it free. So with spinner_first, unlock(), when a spinner
// is registered, waits (at most kUnlockWaitTicks) until someone else has taken the lock: the
// user-space counterpart of that system-call boundary. It costs the unlocker up to ~1 us, so the
// parallel copy mode, which does not model fs/pipe.c's lock shape, leaves it off.
//
// States: 0 unlocked, 1 locked, 2 locked and someone may sleep on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "internal/futex.hpp"
#include "internal/lock_clock.hpp"

namespace pipepool::internal {

class PipeMutex {
 public:
  // Longest spin without progress from the owner before sleeping. A 64 KiB copy under the lock
  // (kernel copy mode) reports progress 16 times in ~2-10 us.
  static constexpr std::chrono::nanoseconds kSpinNs{10'000};
  // Longest spin in all, however the owner progresses.
  static constexpr std::chrono::nanoseconds kSpinMaxNs{500'000};
  // Longest an unlock waits for a registered spinner to take the lock: ~1 us at 2-3 GHz, the
  // order of a system call's exit and entry.
  static constexpr std::uint64_t kUnlockWaitTicks = 2'048;

  void lock() noexcept {
    std::uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    if (spin()) return;
    // Slow path: mark contended and sleep until we take it in the contended state.
    c = state_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      futex_wait(state_, 2);
      c = state_.exchange(2, std::memory_order_acquire);
    }
  }

  bool try_lock() noexcept {
    std::uint32_t c = 0;
    return state_.compare_exchange_strong(c, 1, std::memory_order_acquire);
  }

  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) futex_wake(state_, 1);
    if (!spinner_first_ || spinners_.load(std::memory_order_relaxed) == 0) return;
    const std::uint64_t start = lock_ticks();
    while (state_.load(std::memory_order_relaxed) == 0 &&
           spinners_.load(std::memory_order_relaxed) != 0 &&
           lock_ticks() - start < kUnlockWaitTicks) {
      cpu_relax();
    }
  }

  // Whether an unlock waits for a registered spinner to take the lock (see above). Set before the
  // mutex is shared between threads.
  void set_spinner_first(bool on) noexcept { spinner_first_ = on; }

  // Threads spinning in lock() now (a snapshot).
  [[nodiscard]] unsigned spinners() const noexcept {
    return spinners_.load(std::memory_order_relaxed);
  }

  // Called by the owner while it holds the lock and works: a spinner keeps spinning.
  void note_progress() noexcept {
    progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

 private:
  // True when it took the lock (state 1) while spinning.
  bool spin() noexcept {
    using clock = std::chrono::steady_clock;
    spinners_.fetch_add(1, std::memory_order_relaxed);
    const auto start = clock::now();
    auto deadline = start + kSpinNs;
    std::uint32_t seen = progress_.load(std::memory_order_relaxed);
    bool taken = false;
    for (unsigned i = 1;; ++i) {
      if (state_.load(std::memory_order_relaxed) == 0) {
        std::uint32_t c = 0;
        if (state_.compare_exchange_weak(c, 1, std::memory_order_acquire)) {
          taken = true;
          break;
        }
      }
      if (i % 16 == 0) {
        const auto now = clock::now();
        if (now >= deadline) {
          const std::uint32_t p = progress_.load(std::memory_order_relaxed);
          if (p == seen || now - start >= kSpinMaxNs) break;
          seen = p;  // the owner works: spin on
          deadline = now + kSpinNs;
        }
      }
      cpu_relax();
    }
    spinners_.fetch_sub(1, std::memory_order_relaxed);
    return taken;
  }

  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint32_t> spinners_{0};
  bool spinner_first_ = false;
  alignas(64) std::atomic<std::uint32_t> progress_{0};  // written by the owner only
};

}  // namespace pipepool::internal
