// A wait queue with the kernel's exclusive-wait shape (the pipe's rd_wait / wr_wait): waiters
// sleep with the pipe mutex dropped until a condition holds, and are served in arrival order.
//
// Every waiter owns a node on its stack, linked into the queue's FIFO list under the pipe mutex.
// A waker chooses under the mutex whom to release (take_one: the oldest waiter; take_all: all of
// them), which unlinks those nodes, and wakes them after unlocking (Wakeup::wake): one store into
// the node's own word, and a futex call only when that waiter is asleep. A waiter released but
// finding its condition false again (another thread took the room or the data first) goes back to
// the head of the list, keeping its place, so a waiter is never overtaken by later waiters.
//
// Spinning: only the oldest waiter spins before sleeping (a wake-up releases one waiter, so more
// spinners would only burn the CPU the other side needs), the spin is bounded in time, not in
// iterations (a `pause` costs 10-140 cycles depending on the CPU), and it goes on only while the
// other side is running (RunningCount): when it is not, nobody can release the waiter soon.
//
// Signals, as pipe_read / pipe_write see them (signal_pending() before sleeping, the
// interruptible wait): an interruptible wait ends when a signal handler runs while it sleeps.
// It returns `interrupted` when its condition is false then, and `signaled` when it holds (the
// kernel's wait checks the condition first; the caller uses it and stops at its next wait, where
// the kernel's signal_pending() check would). Which handlers count follows the caller's progress:
// for a call that has moved nothing yet (`restartable`) only a handler without SA_RESTART (the
// kernel restarts an untimed futex call for the others, as it restarts the pipe call: nothing
// was transferred); for a call that has moved bytes every handler (the sleep is a futex wait with
// a deadline, which the kernel never restarts), so the call returns its count. A waiter released
// before the signal took effect consumes its wake-up, as the kernel's exclusive waiter does, and
// likewise returns `signaled` or `interrupted`. A handler that runs during the spin (at most
// kSpinNs) or between unlocking and sleeping is not seen.
//
// Wake-up rule (checked in debug and sanitizer builds by check_no_owed_wakeups): a thread that
// released an interruptible waiter wakes it before dropping the pipe mutex for anything but its own
// wait or the end of its call, and a released waiter never waits for its wake-up holding the mutex:
// a waker may need the mutex (a readiness update samples Pipe::poll) before it gets to the wake-up.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "internal/futex.hpp"
#include "internal/lock_clock.hpp"

namespace pipepool::internal {

// `signaled`: the condition holds, and a signal handler ran during the wait (see above).
enum class WaitResult { ready, signaled, interrupted };

#ifdef PIPEPOOL_LOCK_ASSERTS
// Interruptible waiters this thread released (take_one / take_all) and has not woken yet.
inline thread_local int owed_wakeups = 0;
#endif

// With PIPEPOOL_LOCK_ASSERTS (debug and sanitizer builds): aborts where a thread drops the pipe
// mutex inside a call while it owes a released interruptible waiter its wake-up.
inline void check_no_owed_wakeups() noexcept {
#ifdef PIPEPOOL_LOCK_ASSERTS
  if (owed_wakeups != 0) {
    std::fputs("pipepool: an interruptible waiter released but not woken across an unlock\n",
               stderr);
    std::abort();
  }
#endif
}

// Whether one side of the pipe is running, for the other side's spin decision: the threads inside
// an operation and not waiting, and when one last left an operation. The side counts as running
// while a thread is inside, and for kRecentTicks after one left: a thread that returns from
// write() and calls it again in a loop stays on its CPU in between. A thread that goes to sleep in
// a wait queue parks: not running, and no fresh time stamp. Changed only under the pipe mutex
// (plain load + store), read by spinners without it.
class RunningCount {
 public:
  // About 20-30 us at the 2-3 GHz of a time-stamp counter (65 us where ticks are nanoseconds).
  static constexpr std::uint64_t kRecentTicks = std::uint64_t{1} << 16;

  void enter() noexcept {
    n_.store(n_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void leave() noexcept {
    park();
    last_left_.store(lock_ticks(), std::memory_order_relaxed);
  }
  void park() noexcept {
    n_.store(n_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  [[nodiscard]] bool running() const noexcept {
    return n_.load(std::memory_order_relaxed) != 0 ||
           lock_ticks() - last_left_.load(std::memory_order_relaxed) < kRecentTicks;
  }

 private:
  std::atomic<unsigned> n_{0};
  std::atomic<std::uint64_t> last_left_{0};
};

namespace test_hooks {
// Called by a waker for each waiter it wakes, after releasing it and before the store that wakes
// it, when set: tests hold the window between release and wake-up with it. Null outside tests.
inline std::atomic<void (*)()> before_wake{nullptr};
}  // namespace test_hooks

struct WaitNode {
  // 0 queued and awake, 1 asleep in the futex, 2 released.
  std::atomic<std::uint32_t> state{0};
  WaitNode* prev = nullptr;  // list links, guarded by the pipe mutex
  WaitNode* next = nullptr;
  bool queued = false;
  bool interruptible = false;
};

// Waiters released from one queue under the mutex, woken after it is dropped (or when this goes
// out of scope). Move-only.
class Wakeup {
 public:
  Wakeup() = default;
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  Wakeup(Wakeup&& o) noexcept
      : first_(std::exchange(o.first_, nullptr)), futex_wakes_(o.futex_wakes_) {}
  Wakeup& operator=(Wakeup&& o) noexcept {
    std::swap(first_, o.first_);
    std::swap(futex_wakes_, o.futex_wakes_);
    return *this;
  }
  ~Wakeup() { wake(); }
  [[nodiscard]] bool empty() const noexcept { return first_ == nullptr; }

  // Call without the pipe mutex. A released node's owner may return (and its stack be reused) as
  // soon as it sees its state change, so the next link is read first, and the futex call after the
  // store may hit a reused address: futex wake-ups are allowed to be spurious.
  void wake() noexcept {
    while (first_ != nullptr) {
      WaitNode* n = first_;
      first_ = n->next;
#ifdef PIPEPOOL_LOCK_ASSERTS
      if (n->interruptible) --owed_wakeups;
#endif
      if (void (*hook)() = test_hooks::before_wake.load(std::memory_order_relaxed)) hook();
      if (n->state.exchange(2, std::memory_order_release) == 1) {
        futex_wakes_->fetch_add(1, std::memory_order_relaxed);  // the syscall costs far more
        futex_wake(n->state, 1);
      }
    }
  }

 private:
  friend class WaitQueue;
  WaitNode* first_ = nullptr;  // a chain through WaitNode::next
  std::atomic<std::uint64_t>* futex_wakes_ = nullptr;
};

struct WaitOptions {
  // Return `interrupted` when a signal handler without SA_RESTART interrupts the sleep.
  bool interruptible = false;
  // The caller's side (left while waiting) and the side that can release it (spin only while it
  // runs); either may be null.
  RunningCount* mine = nullptr;
  const RunningCount* other = nullptr;
  // Woken right after the first unlock: the wake-up a caller owes the other side before sleeping.
  Wakeup* wake_after_unlock = nullptr;
  // Whether the oldest waiter may spin before it sleeps.
  bool spin = true;
  // With `interruptible`: the call has moved nothing yet, so a SA_RESTART handler lets the wait go
  // on. False once the call moved bytes: any handler interrupts it.
  bool restartable = true;
};

class WaitQueue {
 public:
  // Longest spin of the oldest waiter before it sleeps.
  static constexpr std::chrono::nanoseconds kSpinNs{20'000};

  // Called with `lock` held; returns with it held, and with opts.wake_after_unlock woken (after
  // the first unlock; under the mutex when the condition held at once). `ready()` is true on
  // `ready` and `signaled`; on `interrupted` (only with opts.interruptible) it may be false.
  template <class Lock, class Ready>
  WaitResult wait(Lock& lock, Ready ready, const WaitOptions& opts = {}) {
    bool at_head = false;  // a released waiter whose condition failed again keeps its place
    bool signaled = false;
    while (!ready()) {
      if (signaled) return WaitResult::interrupted;  // signal_pending() before sleeping again
      WaitNode node;
      node.interruptible = opts.interruptible;
      const bool spin = opts.spin && head_ == nullptr;
      if (at_head) {
        push_front(node);
      } else {
        push_back(node);
      }
      if (opts.mine != nullptr) opts.mine->park();
      lock.unlock();
      if (opts.wake_after_unlock != nullptr) opts.wake_after_unlock->wake();
      check_no_owed_wakeups();
      const bool released = spin && spin_for_release(node, opts.other);
      const bool interrupted = !released && !sleep_for_release(node, opts);
      lock.lock();
      if (interrupted) {
        if (node.queued) {
          unlink(node);
          if (opts.mine != nullptr) opts.mine->enter();
          // The kernel's wait checks its condition before the pending signal.
          return ready() ? WaitResult::signaled : WaitResult::interrupted;
        }
        // A waker unlinked this node already: its store (and futex wake) is on the way, maybe
        // only after the waker takes the mutex again. Take the wake-up without the mutex.
        lock.unlock();
        while (node.state.load(std::memory_order_acquire) != 2) futex_wait(node.state, 1);
        lock.lock();
        signaled = true;
      }
      if (opts.mine != nullptr) opts.mine->enter();
      at_head = true;
    }
    if (opts.wake_after_unlock != nullptr) opts.wake_after_unlock->wake();
    return signaled ? WaitResult::signaled : WaitResult::ready;
  }

  // Under the pipe mutex.
  [[nodiscard]] bool has_waiters() const noexcept { return waiters_ != 0; }
  [[nodiscard]] unsigned waiter_count() const noexcept { return waiters_; }

  // Under the pipe mutex: moves the oldest waiter (if any) into `w`, to be woken after unlocking.
  // One Wakeup collects from one queue only.
  void take_one(Wakeup& w) noexcept {
    if (head_ == nullptr) return;
    WaitNode* n = head_;
    unlink(*n);
#ifdef PIPEPOOL_LOCK_ASSERTS
    if (n->interruptible) ++owed_wakeups;
#endif
    n->next = w.first_;
    w.first_ = n;
    w.futex_wakes_ = &futex_wakes_;
  }

  // Under the pipe mutex: moves every waiter into `w`.
  void take_all(Wakeup& w) noexcept {
    if (head_ == nullptr) return;
    for (WaitNode* n = head_; n != nullptr; n = n->next) {
      n->queued = false;
#ifdef PIPEPOOL_LOCK_ASSERTS
      if (n->interruptible) ++owed_wakeups;
#endif
    }
    tail_->next = w.first_;
    w.first_ = head_;
    w.futex_wakes_ = &futex_wakes_;
    head_ = tail_ = nullptr;
    waiters_ = 0;
  }

  // futex(FUTEX_WAKE) calls made for this queue: waking a waiter that is not asleep makes none.
  [[nodiscard]] std::uint64_t futex_wakes() const noexcept {
    return futex_wakes_.load(std::memory_order_relaxed);
  }

 private:
  void push_back(WaitNode& n) noexcept {
    n.prev = tail_;
    n.next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = &n;
    tail_ = &n;
    n.queued = true;
    ++waiters_;
  }

  void push_front(WaitNode& n) noexcept {
    n.prev = nullptr;
    n.next = head_;
    (head_ != nullptr ? head_->prev : tail_) = &n;
    head_ = &n;
    n.queued = true;
    ++waiters_;
  }

  void unlink(WaitNode& n) noexcept {
    (n.prev != nullptr ? n.prev->next : head_) = n.next;
    (n.next != nullptr ? n.next->prev : tail_) = n.prev;
    n.prev = n.next = nullptr;
    n.queued = false;
    --waiters_;
  }

  static bool spin_for_release(WaitNode& n, const RunningCount* other) noexcept {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + kSpinNs;
    for (unsigned i = 1;; ++i) {
      if (n.state.load(std::memory_order_acquire) == 2) return true;
      if (i % 16 == 0 && other != nullptr && !other->running()) return false;
      if (i % 64 == 0 && clock::now() >= deadline) return false;
      cpu_relax();
    }
  }

  // Sleeps until released (true) or, when interruptible, until a signal handler interrupts the
  // futex wait (false; the node may have been released meanwhile: the caller decides under the
  // lock). A non-restartable wait sleeps with a deadline, so that every handler interrupts it.
  static bool sleep_for_release(WaitNode& n, const WaitOptions& opts) noexcept {
    std::uint32_t s = 0;
    if (!n.state.compare_exchange_strong(s, 1, std::memory_order_acq_rel)) return true;
    const bool any_handler = opts.interruptible && !opts.restartable;
    for (;;) {
      const int err =
          any_handler ? futex_wait_until(n.state, 1, far_deadline()) : futex_wait(n.state, 1);
      if (n.state.load(std::memory_order_acquire) == 2) return true;
      if (opts.interruptible && err == EINTR) return false;
    }
  }

  // An hour from now on CLOCK_MONOTONIC: a deadline that only makes the wait non-restartable (a
  // wait that reaches it sleeps again).
  static timespec far_deadline() noexcept {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += 3600;
    return t;
  }

  WaitNode* head_ = nullptr;  // oldest waiter; the list is guarded by the pipe mutex
  WaitNode* tail_ = nullptr;
  unsigned waiters_ = 0;
  std::atomic<std::uint64_t> futex_wakes_{0};
};

}  // namespace pipepool::internal
