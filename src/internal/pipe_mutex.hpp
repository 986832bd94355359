// The pipe mutex: a futex mutex that spins briefly before it sleeps, in the spirit of the
// kernel's optimistic spinning on a running owner (user space cannot see whether the owner runs,
// so the spin is bounded instead). Meets the Lockable requirements for std::unique_lock.
//
// States: 0 unlocked, 1 locked, 2 locked and someone may sleep on it.
#pragma once

#include <atomic>
#include <cstdint>

#include "internal/futex.hpp"

namespace pipepool::internal {

class PipeMutex {
 public:
  // Spin iterations before sleeping. A 64 KiB copy under the lock takes ~2 us.
  static constexpr int kSpins = 2000;

  void lock() noexcept {
    std::uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    for (int i = 0; i < kSpins; ++i) {
      if (state_.load(std::memory_order_relaxed) == 0) {
        c = 0;
        if (state_.compare_exchange_weak(c, 1, std::memory_order_acquire)) return;
      }
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
