// The simulated pipe's synchronisation, on SimGrid objects (real mutexes and futexes do not work
// inside actors): the pipe mutex, metered as pipepool's own pipe mutex is (acquisitions, contended
// acquisitions, time held, time waited), and a wait queue with exclusive waits.
//
// Two lock models (LockModel); docs/SIMULATION.md says what each leaves out.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Mutex.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <string_view>

#include "pipe_bench/sim/runqueue.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

enum class LockModel {
  // SimGrid's s4u::Mutex: a contended lock goes to its waiters in FIFO order, directly and at no
  // cost; wake-ups take no time.
  fifo,
  // kernel/locking/mutex.c: a task that finds the mutex taken spins on its CPU while the owner
  // runs and no other task needs that CPU (mutex_optimistic_spin), else sleeps in FIFO order;
  // unlock gives the lock to the first spinner (the osq head) or releases it, and wakes the first
  // sleeper, which competes with newcomers; a first sleeper that loses asks for a hand-off
  // (MUTEX_FLAG_HANDOFF) and spins too while it can, and the next unlock gives it the lock
  // directly (__mutex_handoff). A task woken (from the mutex or a wait queue) while a CPU is idle
  // starts running after the wake-up latency.
  kernel,
};
[[nodiscard]] std::optional<LockModel> parse_lock_model(std::string_view name) noexcept;
[[nodiscard]] std::string_view describe(LockModel model) noexcept;

// One actor's sleep and spin: each actor owns one and passes it to the mutex and the wait queues.
struct Waiter {
  simgrid::s4u::SemaphorePtr wake = simgrid::s4u::Semaphore::create(0);
  bool woken = false;  // a wake-up is on its way (not yet consumed)
  // While it spins on the mutex: the CPU it burns (an execution cancelled to end the spin), and
  // why the spin ended.
  simgrid::s4u::ExecPtr spin;
  enum class SpinEnd { spinning, acquired, stopped } spin_end = SpinEnd::spinning;
};

// What the kernel lock model did besides the LockStats counters.
struct SpinStats {
  std::uint64_t spin_acquisitions = 0;  // contended acquisitions that spun and never slept
  std::uint64_t sleeps = 0;             // times a task went to sleep on the mutex
  std::uint64_t spins = 0;              // spins started (each ends acquired or stopped)
  double spin_s = 0;                    // CPU time spent spinning
};

class PipeMutex final : public pipepool::LockOwnership {
 public:
  // `handoff_ns`: charged under the lock to a task that takes it while spinning (kernel model).
  PipeMutex(Runqueue& runqueue, LockModel model, double handoff_ns);
  void lock(Waiter& self);
  void unlock();
  // Whether the running actor holds the mutex (the pool checks its hooks' side of the lock).
  [[nodiscard]] bool held_by_caller() const noexcept override;
  [[nodiscard]] pipepool::LockStats stats() const noexcept;
  [[nodiscard]] SpinStats spin_stats() const noexcept { return spin_; }

 private:
  void sleep_once(Waiter& self);
  // True when the lock was passed to the caller while it spun on another CPU.
  bool lock_kernel(Waiter& self);
  void unlock_kernel();
  // mutex_optimistic_spin: spins while the owner runs and this task has a CPU of its own; true
  // when the lock was passed to it.
  bool spin(Waiter& self);
  [[nodiscard]] bool can_spin() const noexcept;
  // Ends `w`'s spin: with the lock (acquired) or without (stopped).
  static void end_spin(Waiter& w, Waiter::SpinEnd why);
  // need_resched() on a spinner's CPU: the newest spinner stops; false when none spins.
  bool stop_newest_spinner();

  Runqueue& runqueue_;
  LockModel model_;
  double handoff_ns_;
  simgrid::s4u::MutexPtr mutex_;  // fifo
  bool locked_ = false;           // kernel
  std::deque<Waiter*> sleepers_;  // kernel: in arrival order (the wait_list)
  std::deque<Waiter*> spinners_;  // kernel: in arrival order (the osq), then first sleepers
  Waiter* handoff_request_ = nullptr;
  Waiter* handed_to_ = nullptr;  // owner-to-be that is not running yet
  long owner_ = -1;              // actor id, -1 when free
  double taken_at_ = 0;
  double hold_s_ = 0;
  double wait_s_ = 0;
  pipepool::LockStats counts_{};
  SpinStats spin_{};
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
