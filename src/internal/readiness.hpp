// Readiness descriptors (pp_event_fd, PipeEnd::event_fd): a kernel eventfd per open end that asked
// for one, readable exactly while Pipe::poll reports that end ready (read end: POLLIN or POLLHUP;
// write end: POLLOUT or POLLERR), so a pp pipe can sit in poll, select, epoll or io_uring.
//
// Contract:
//   - One descriptor per PipeEnd (open file description), made on first request and returned again
//     afterwards; unwatch() closes it (the PipeEnd's destructor, i.e. the last close).
//   - Cost while nobody watches: changed() is one relaxed load. The pipe calls it after every state
//     change a poller could see, with the pipe mutex released (or through the Lock overload, which
//     drops the mutex around the update only when someone watches).
//   - The eventfd syscalls happen outside the pipe mutex. The state is decided by sampling
//     Pipe::poll (which takes the mutex briefly) and acted on after. Updates combine: the first
//     caller runs the update and repeats it while other callers arrived meanwhile; those return at
//     once. Every caller's change is made before it registers, and every registration after a
//     sample forces one more pass, so the last pass samples after the last change: when calls stop,
//     each descriptor matches its end's poll state.
//   - Edges: a descriptor that turns ready gets written, which wakes poll and epoll (both modes).
//     An already readable descriptor gets written again (a new edge for EPOLLET) when, since its
//     last edge, its end was both possibly lowered (a read drained it / a write filled it) and
//     raised again: every not-ready -> ready transition a consumer could have seen makes an edge.
//   - Between a change and its update the descriptor may lag: a wake-up can be spurious, so the
//     pp descriptor should be non-blocking and read or written until EAGAIN (edge-triggered) or
//     once per wake-up (level-triggered).
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "internal/wait_queue.hpp"

namespace pipepool {
class Pipe;
class PipeEnd;
}  // namespace pipepool

namespace pipepool::internal {

namespace test_hooks {
// Called at the start of every readiness update (with the pipe mutex dropped) when set: tests hold
// the window between a waker's change and its update with it. Null outside tests.
inline std::atomic<void (*)()> before_readiness_update{nullptr};
}  // namespace test_hooks

class Readiness {
 public:
  // What an operation did, which decides the ends it may have raised (made ready) or lowered.
  enum class Change {
    wrote,    // data committed (raises the read end), slots used (lowers the write end)
    read,     // room made (raises the write end), data taken (lowers the read end)
    resized,  // the ring grew or shrank: either way for the write end
    closed,   // the last reader or writer left: POLLHUP / POLLERR on the other end
  };

  Readiness() = default;
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // After a state change, with the pipe mutex released.
  void changed(Change change) noexcept {
    if (watchers_.load(std::memory_order_relaxed) == 0) return;
    update(change);
  }
  // After a state change made under `lock` (the pipe mutex), which is held on entry and on return;
  // dropped around the update only while someone watches. `owed`: waiters the caller released
  // and has not woken, woken right after the unlock, before the update samples the pipe (which
  // takes the mutex): a released waiter may need the mutex before it can take its wake-up.
  template <class Lock>
  void changed(Change change, Lock& lock, Wakeup& owed) noexcept {
    if (watchers_.load(std::memory_order_relaxed) == 0) return;
    lock.unlock();
    owed.wake();
    check_no_owed_wakeups();
    update(change);
    lock.lock();
  }

  // The descriptor of `end` (an end of `pipe`), made on the first call. Returns it, or -errno:
  // EMFILE / ENFILE (or ENOMEM, ENODEV) when no eventfd can be had.
  [[nodiscard]] int watch(const Pipe& pipe, const PipeEnd& end, bool writer) noexcept;
  // Closes the descriptor of `end`, if it has one. Called when `end` is destroyed.
  void unwatch(const PipeEnd& end) noexcept;

 private:
  struct Watcher {
    const PipeEnd* end = nullptr;
    int fd = -1;
    bool writer = false;
    bool signaled = false;  // the eventfd's counter is non-zero
    bool raised = false;    // since the last edge: the end may have turned ready
    bool lowered = false;   // since the last edge: the end may have turned not ready
  };

  void update(Change change) noexcept;
  // Under mutex_: samples the pipe for `w` and makes the eventfd match it.
  void sync_locked(Watcher& w) noexcept;

  std::atomic<unsigned> watchers_{0};
  std::atomic<unsigned> requests_{0};  // updates asked for since the running pass started
  std::atomic<unsigned> raised_{0};    // ends raised, not yet taken by a pass (bit per end)
  std::atomic<unsigned> lowered_{0};
  std::mutex mutex_;  // guards pipe_, list_ and each watcher's eventfd
  const Pipe* pipe_ = nullptr;
  std::vector<Watcher> list_;
};

}  // namespace pipepool::internal
