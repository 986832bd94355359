// A wait queue with the kernel's exclusive-wait shape: waiters sleep with the pipe mutex dropped
// until a condition holds; wake_one() lets exactly one waiter go (spinning or sleeping), and
// wake_all() lets every current waiter go. The waiter count (guarded by the pipe mutex) lets a
// waker skip the wake-up when nobody waits; the sleeper count lets it skip the futex syscall when
// the waiters are still spinning.
//
// Only the first waiter of a queue spins before sleeping: a wake-up releases one waiter, so
// further spinners could only burn the CPU the lock holder needs (10 threads on 2 cores spent half
// their time spinning here when every waiter spun).
//
// wake_one() posts a token that one waiter takes with a compare-exchange, so a wake-up never
// releases several spinners at once (no thundering herd on the pipe mutex). A token outlives the
// wake-up: a waiter registered under the mutex before the waker looked cannot miss it. A token no
// waiter takes (after a wake_all, or two wakers for one waiter) costs one spurious pass later;
// wait() re-checks its condition, so that is harmless.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "internal/futex.hpp"

namespace pipepool::internal {

class WaitQueue {
 public:
  // Spin iterations on the wake-up before sleeping in the kernel.
  static constexpr int kSpins = 2000;

  // Called with `lock` held; returns with it held and `ready()` true.
  template <class Lock, class Ready>
  void wait(Lock& lock, Ready ready) {
    while (!ready()) {
      const bool spin = waiters_ == 0;  // only the first waiter spins; the others sleep at once
      ++waiters_;
      const std::uint32_t generation = generation_.load(std::memory_order_seq_cst);
      lock.unlock();
      if (!(spin && spin_for_wakeup(generation))) sleep_for_wakeup(generation);
      lock.lock();
      --waiters_;
    }
  }

  // Read under the pipe mutex.
  [[nodiscard]] bool has_waiters() const noexcept { return waiters_ != 0; }
  [[nodiscard]] unsigned waiter_count() const noexcept { return waiters_; }

  // futex(FUTEX_WAKE) calls this queue made: a wake-up with nobody asleep makes none.
  [[nodiscard]] std::uint64_t futex_wakes() const noexcept {
    return futex_wakes_.load(std::memory_order_relaxed);
  }

  void wake_one() noexcept {
    tokens_.fetch_add(1, std::memory_order_seq_cst);
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) wake_sleepers(1);
  }

  void wake_all() noexcept {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) wake_sleepers(INT_MAX);
  }

 private:
  void wake_sleepers(int n) noexcept {
    futex_wakes_.fetch_add(1, std::memory_order_relaxed);  // the syscall costs far more
    futex_wake(seq_, n);
  }

  // True once this waiter may go: it took a token, or a wake_all() happened since `generation`.
  bool released(std::uint32_t generation) noexcept {
    if (generation_.load(std::memory_order_seq_cst) != generation) return true;
    std::uint32_t t = tokens_.load(std::memory_order_relaxed);
    while (t != 0) {
      if (tokens_.compare_exchange_weak(t, t - 1, std::memory_order_seq_cst)) return true;
    }
    return false;
  }

  bool spin_for_wakeup(std::uint32_t generation) noexcept {
    for (int i = 0; i < kSpins; ++i) {
      if (released(generation)) return true;
      cpu_relax();
    }
    return false;
  }

  // A waker bumps `tokens_`/`generation_`, then `seq_`, then reads `sleepers_`; a sleeper bumps
  // `sleepers_`, reads `seq_`, then checks for a release: one of them sees the other.
  void sleep_for_wakeup(std::uint32_t generation) noexcept {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    for (;;) {
      const std::uint32_t seen = seq_.load(std::memory_order_seq_cst);
      if (released(generation)) break;
      futex_wait(seq_, seen);
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

  std::atomic<std::uint32_t> tokens_{0};
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> sleepers_{0};
  std::atomic<std::uint64_t> futex_wakes_{0};
  unsigned waiters_ = 0;
};

}  // namespace pipepool::internal
