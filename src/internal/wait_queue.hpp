// A wait queue with the kernel's exclusive-wait shape: waiters sleep with the pipe mutex dropped
// until a condition holds; wake_one() wakes one sleeper. The waiter count (guarded by the pipe
// mutex) lets a waker skip the wake-up when nobody waits; the sleeper count lets it skip the
// futex syscall when the waiters are still spinning.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "internal/futex.hpp"

namespace pipepool::internal {

class WaitQueue {
 public:
  // Spin iterations on the wake-up sequence before sleeping in the kernel.
  static constexpr int kSpins = 2000;

  // Called with `lock` held; returns with it held and `ready()` true.
  template <class Lock, class Ready>
  void wait(Lock& lock, Ready ready) {
    while (!ready()) {
      ++waiters_;
      const std::uint32_t seen = seq_.load(std::memory_order_seq_cst);
      lock.unlock();
      for (int i = 0; i < kSpins && seq_.load(std::memory_order_relaxed) == seen; ++i) {
        cpu_relax();
      }
      if (seq_.load(std::memory_order_seq_cst) == seen) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        futex_wait(seq_, seen);
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      lock.lock();
      --waiters_;
    }
  }

  // Read under the pipe mutex.
  [[nodiscard]] bool has_waiters() const noexcept { return waiters_ != 0; }

  void wake_one() noexcept { wake(1); }
  void wake_all() noexcept { wake(INT_MAX); }

 private:
  void wake(int n) noexcept {
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) futex_wake(seq_, n);
  }

  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> sleepers_{0};
  unsigned waiters_ = 0;
};

}  // namespace pipepool::internal
