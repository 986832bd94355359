// A wait queue with the kernel's exclusive-wait shape: waiters sleep under the pipe mutex until a
// condition holds; wake_one() wakes exactly one of them. The waiter count (guarded by the pipe
// mutex) lets a waker skip the wake-up when nobody sleeps.
#pragma once

#include <condition_variable>
#include <mutex>

namespace pipepool::internal {

class WaitQueue {
 public:
  // Called with `lock` held; returns with it held and `ready()` true.
  template <class Ready>
  void wait(std::unique_lock<std::mutex>& lock, Ready ready) {
    ++waiters_;
    cv_.wait(lock, ready);
    --waiters_;
  }
  // Read under the pipe mutex.
  [[nodiscard]] bool has_waiters() const noexcept { return waiters_ != 0; }
  void wake_one() noexcept { cv_.notify_one(); }
  void wake_all() noexcept { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
  unsigned waiters_ = 0;
};

}  // namespace pipepool::internal
