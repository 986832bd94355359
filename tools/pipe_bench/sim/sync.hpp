// The simulated pipe's synchronisation, on SimGrid objects (real mutexes and futexes do not work
// inside actors): the pipe mutex, metered as pipepool's own pipe mutex is (acquisitions, contended
// acquisitions, time held, time waited), and a wait queue with exclusive waits.
//
// Model: the mutex sleeps on contention and hands the lock to its waiters in FIFO order, at no
// cost (SimGrid's s4u::Mutex); the kernel's optimistic spinning and the cost of a hand-off or a
// wake-up are not modelled (docs/SIMULATION.md).
#pragma once

#include <deque>
#include <functional>
#include <simgrid/s4u/Mutex.hpp>
#include <simgrid/s4u/Semaphore.hpp>

#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

class PipeMutex final : public pipepool::LockOwnership {
 public:
  PipeMutex();
  void lock();
  void unlock();
  // Whether the running actor holds the mutex (the pool checks its hooks' side of the lock).
  [[nodiscard]] bool held_by_caller() const noexcept override;
  [[nodiscard]] pipepool::LockStats stats() const noexcept;

 private:
  simgrid::s4u::MutexPtr mutex_;
  long owner_ = -1;  // actor id, -1 when free
  double taken_at_ = 0;
  double hold_s_ = 0;
  double wait_s_ = 0;
  pipepool::LockStats counts_{};
};

// One sleeping actor's wake-up: each actor owns one and passes it to WaitQueue::wait_until.
struct Waiter {
  simgrid::s4u::SemaphorePtr wake = simgrid::s4u::Semaphore::create(0);
};

// An exclusive wait queue (wait_event_*_exclusive / wake_up): wake_one releases the longest
// sleeper, which re-checks its condition and sleeps again if it does not hold.
class WaitQueue {
 public:
  // Sleeps (without the pipe mutex) until `ready` holds; returns at once when it already does.
  void wait_until(Waiter& self, const std::function<bool()>& ready);
  void wake_one();
  void wake_all();

 private:
  std::deque<Waiter*> sleepers_;
};

}  // namespace pipe_bench::sim
