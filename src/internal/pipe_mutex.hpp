// The pipe mutex: a futex mutex that spins briefly before it sleeps, in the spirit of the
// kernel's optimistic spinning on a running owner (user space cannot see whether the owner runs,
// so the spin is bounded in time instead: a `pause` costs 10-140 cycles depending on the CPU, so
// an iteration count would mean a different time on each). Meets the Lockable requirements for
// std::unique_lock.
//
// States: 0 unlocked, 1 locked, 2 locked and someone may sleep on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "internal/futex.hpp"

namespace pipepool::internal {

class PipeMutex {
 public:
  // Longest spin before sleeping. A 64 KiB copy under the lock (kernel copy mode) takes ~2-5 us.
  static constexpr std::chrono::nanoseconds kSpinNs{10'000};

  void lock() noexcept {
    std::uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    const auto deadline = std::chrono::steady_clock::now() + kSpinNs;
    for (unsigned i = 1;; ++i) {
      if (state_.load(std::memory_order_relaxed) == 0) {
        c = 0;
        if (state_.compare_exchange_weak(c, 1, std::memory_order_acquire)) return;
      }
      if (i % 16 == 0 && std::chrono::steady_clock::now() >= deadline) break;
      cpu_relax();
    }
    // Slow path: mark contended and sleep until we take it in the contended state.
    if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
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
  }

 private:
  std::atomic<std::uint32_t> state_{0};
};

}  // namespace pipepool::internal
