// The simulated pipe's synchronisation, on SimGrid objects (real mutexes and futexes do not work
// inside actors): the pipe mutex, metered as pipepool's own pipe mutex is (acquisitions, contended
// acquisitions, time held, time waited), and a wait queue with exclusive waits.
//
// Two lock models (LockModel). Neither has the kernel mutex's optimistic spinning, nor a cost for
// passing the lock between CPUs (docs/SIMULATION.md).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <simgrid/s4u/Mutex.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <string_view>

#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

enum class LockModel {
  // SimGrid's s4u::Mutex: a contended lock goes to its waiters in FIFO order, directly and at no
  // cost; wake-ups take no time.
  fifo,
  // kernel/locking/mutex.c without spinning: unlock releases the lock and wakes the first sleeper,
  // whoever comes first takes it; a woken sleeper that finds it taken asks for a hand-off, and the
  // next unlock gives it the lock directly. A task woken (from the mutex or a wait queue) while a
  // CPU is idle starts running after the wake-up latency.
  kernel,
};
[[nodiscard]] std::optional<LockModel> parse_lock_model(std::string_view name) noexcept;
[[nodiscard]] std::string_view describe(LockModel model) noexcept;

// Which actors could run now: all but those asleep on a wait queue or on the mutex.
class Runqueue {
 public:
  Runqueue(unsigned cpus, unsigned actors, double wakeup_ns) noexcept
      : cpus_(cpus), runnable_(actors), wakeup_s_(wakeup_ns * 1e-9) {}
  void sleep() noexcept { --runnable_; }
  // Runnable again; returns the seconds it takes to start running: the wake-up latency when a
  // CPU was idle, else 0.
  [[nodiscard]] double wake() noexcept {
    const bool idle = runnable_ < cpus_;
    ++runnable_;
    return idle ? wakeup_s_ : 0;
  }
  void exit() noexcept { --runnable_; }

 private:
  unsigned cpus_;
  unsigned runnable_;
  double wakeup_s_;
};

// One actor's sleep: each actor owns one and passes it to the mutex and the wait queues.
struct Waiter {
  simgrid::s4u::SemaphorePtr wake = simgrid::s4u::Semaphore::create(0);
  bool woken = false;  // a wake-up is on its way (not yet consumed)
};

class PipeMutex final : public pipepool::LockOwnership {
 public:
  PipeMutex(Runqueue& runqueue, LockModel model);
  void lock(Waiter& self);
  void unlock();
  // Whether the running actor holds the mutex (the pool checks its hooks' side of the lock).
  [[nodiscard]] bool held_by_caller() const noexcept override;
  [[nodiscard]] pipepool::LockStats stats() const noexcept;

 private:
  void sleep_once(Waiter& self);
  void lock_kernel(Waiter& self);
  void unlock_kernel();

  Runqueue& runqueue_;
  LockModel model_;
  simgrid::s4u::MutexPtr mutex_;  // fifo
  bool locked_ = false;           // kernel
  std::deque<Waiter*> sleepers_;  // kernel: in arrival order
  Waiter* handoff_request_ = nullptr;
  Waiter* handed_to_ = nullptr;
  long owner_ = -1;  // actor id, -1 when free
  double taken_at_ = 0;
  double hold_s_ = 0;
  double wait_s_ = 0;
  pipepool::LockStats counts_{};
};

// An exclusive wait queue (wait_event_*_exclusive / wake_up): wake_one releases the longest
// sleeper, which re-checks its condition and sleeps again if it does not hold.
class WaitQueue {
 public:
  explicit WaitQueue(Runqueue& runqueue) noexcept : runqueue_(runqueue) {}
  // Sleeps (without the pipe mutex) until `ready` holds; returns at once when it already does.
  void wait_until(Waiter& self, const std::function<bool()>& ready);
  void wake_one();
  void wake_all();

 private:
  Runqueue& runqueue_;
  std::deque<Waiter*> sleepers_;
};

}  // namespace pipe_bench::sim
