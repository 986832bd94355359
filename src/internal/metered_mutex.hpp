// A mutex that measures itself: how often it was taken, how often a caller found it held, how long
// it was held and how long callers waited for it; and which thread holds it, so that code that must
// run outside the lock (a pool's prefill allocation, its release of trimmed pages) can check it.
//
// Cost on the lock path: a try_lock first (the uncontended case takes the lock with it), one
// time-stamp read on acquire and one on release, two more only when the lock was contended, and
// plain stores to counters on the mutex's own cache line, which the holder owns anyway. The
// counters are changed only by the holder (relaxed load + store, no read-modify-write), and read by
// anyone as relaxed atomics.
//
// Meets the Lockable requirements, so std::unique_lock and WaitQueue::wait drive it; a wait that
// drops and retakes the lock counts the retake as an acquisition (and its wait, if contended), and
// the time asleep is not hold time.
#pragma once

#include <atomic>
#include <cstdint>

#include "internal/lock_clock.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipepool::internal {

// A per-thread address: the owner's identity (never dereferenced).
[[nodiscard]] inline const void* this_thread_token() noexcept {
  static thread_local const char token = 0;
  return &token;
}

template <class Mutex>
class MeteredMutex final : public LockOwnership {
 public:
  void lock() noexcept {
    std::uint64_t now;
    if (mutex_.try_lock()) {
      now = lock_ticks();
    } else {
      const std::uint64_t start = lock_ticks();
      mutex_.lock();
      now = lock_ticks();
      bump(contended_, 1);
      bump(wait_ticks_, now - start);
    }
    acquired_at_ = now;
    bump(acquisitions_, 1);
    owner_.store(this_thread_token(), std::memory_order_relaxed);
  }

  bool try_lock() noexcept {
    if (!mutex_.try_lock()) return false;
    acquired_at_ = lock_ticks();
    bump(acquisitions_, 1);
    owner_.store(this_thread_token(), std::memory_order_relaxed);
    return true;
  }

  void unlock() noexcept {
    owner_.store(nullptr, std::memory_order_relaxed);
    bump(hold_ticks_, lock_ticks() - acquired_at_);
    mutex_.unlock();
  }

  // PipeMutex::set_spinner_first: before the mutex is shared.
  void set_spinner_first(bool on) noexcept { mutex_.set_spinner_first(on); }

  // The owner's progress report, for spinners (PipeMutex::note_progress).
  void note_progress() noexcept { mutex_.note_progress(); }

  // True when the calling thread holds the lock. Exact for the caller: only the owner stores its
  // own token, and it clears it before releasing.
  [[nodiscard]] bool held_by_caller() const noexcept override {
    return owner_.load(std::memory_order_relaxed) == this_thread_token();
  }

  [[nodiscard]] LockStats stats() const noexcept {
    LockStats s;
    s.acquisitions = acquisitions_.load(std::memory_order_relaxed);
    s.contended = contended_.load(std::memory_order_relaxed);
    s.hold_ns = lock_ticks_to_ns(hold_ticks_.load(std::memory_order_relaxed));
    s.wait_ns = lock_ticks_to_ns(wait_ticks_.load(std::memory_order_relaxed));
    return s;
  }

 private:
  static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  alignas(64) Mutex mutex_;
  std::atomic<const void*> owner_{nullptr};
  std::uint64_t acquired_at_ = 0;  // guarded by the lock
  std::atomic<std::uint64_t> acquisitions_{0};
  std::atomic<std::uint64_t> contended_{0};
  std::atomic<std::uint64_t> hold_ticks_{0};
  std::atomic<std::uint64_t> wait_ticks_{0};
};

}  // namespace pipepool::internal
