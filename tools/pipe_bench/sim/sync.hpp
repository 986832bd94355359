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
  // pipepool's own primitives (src/internal/pipe_mutex.hpp, wait_queue.hpp), with their constants:
  // a task that finds the mutex taken spins PipeMutex::kSpinNs of wall time (whether or not the
  // owner runs), renewed while the owner shows progress (note_progress) up to kSpinMaxNs, at its
  // slice's end yielding the CPU to a queued task, and takes the lock when it comes free, then
  // sleeps in the futex; unlock hands the lock to the oldest spinner, else frees it, and wakes one
  // sleeper whenever sleepers are registered (FUTEX_WAKE, whose system call the unlocker pays); a
  // woken sleeper that finds the lock taken sleeps again. A wait queue's oldest waiter spins up to
  // WaitQueue::kSpinNs while the other side runs (RunningCount: a task of it inside a call, or one
  // left less than kRecentTicks ago) before it sleeps; waking a spinning waiter costs nothing,
  // waking a sleeping one a FUTEX_WAKE; a released waiter whose condition fails again waits at the
  // head. Wake-ups onto an idle CPU take the wake-up latency.
  pipepool,
};
[[nodiscard]] std::optional<LockModel> parse_lock_model(std::string_view name) noexcept;
[[nodiscard]] std::string_view describe(LockModel model) noexcept;

// Ends `w`'s spin: with the lock or the wake-up (acquired) or without (stopped). A spin ended
// before its execution started is cancelled by the spinner itself.
void end_spin(Waiter& w, Waiter::SpinEnd why);

// What the kernel lock model did besides the LockStats counters.
struct SpinStats {
  std::uint64_t spin_acquisitions = 0;   // contended acquisitions that spun and never slept
  std::uint64_t sleeps = 0;              // times a task went to sleep on the mutex
  std::uint64_t spins = 0;               // spins started (each ends acquired or stopped)
  double spin_s = 0;                     // CPU time spent spinning
  std::uint64_t futex_wakes = 0;         // pipepool model: FUTEX_WAKE calls (mutex and queues)
  double handoff_s = 0;                  // CPU time of the hand-offs charged under the lock
  std::uint64_t holder_preemptions = 0;  // times the mutex's owner was preempted holding it
  double hold_off_cpu_s = 0;             // time owners spent preempted while holding the mutex
};

// Which tasks of one side of the pipe run, as pipepool's RunningCount sees them (the other side's
// waiters spin only while it runs): tasks inside a call and not waiting, and the time the last one
// left a call.
class SideRunning {
 public:
  void enter() noexcept { ++inside_; }
  void park() noexcept { --inside_; }
  void leave(double now) noexcept {
    --inside_;
    last_left_ = now;
  }
  // Inside a call, or left less than `recent_s` before `now`.
  [[nodiscard]] bool running(double now, double recent_s) const noexcept {
    return inside_ > 0 || (last_left_ >= 0 && now - last_left_ < recent_s);
  }

 private:
  unsigned inside_ = 0;
  double last_left_ = -1;
};

class PipeMutex final : public pipepool::LockOwnership {
 public:
  // `handoff_ns`: charged under the lock to a task that takes it while spinning (kernel and
  // pipepool models); `futex_wake_ns`: charged to the unlocker for each FUTEX_WAKE (pipepool).
  PipeMutex(Runqueue& runqueue, LockModel model, double handoff_ns, double futex_wake_ns);
  void lock(Waiter& self);
  void unlock();
  // Whether the running actor holds the mutex (the pool checks its hooks' side of the lock).
  [[nodiscard]] bool held_by_caller() const noexcept override;
  [[nodiscard]] pipepool::LockStats stats() const noexcept;
  [[nodiscard]] SpinStats spin_stats() const noexcept { return spin_; }
  // The owner's progress report (pipepool's PipeMutex::note_progress: once per page it copies
  // under the lock): a `pipepool` model spinner goes on spinning while it sees some.
  void note_progress() noexcept { ++progress_; }

 private:
  void sleep_once(Waiter& self);
  // True when the lock was passed to the caller while it spun on another CPU.
  bool lock_kernel(Waiter& self);
  void unlock_kernel();
  // mutex_optimistic_spin: spins while the owner runs and this task has a CPU of its own; true
  // when the lock was passed to it.
  bool spin(Waiter& self);
  [[nodiscard]] bool can_spin() const noexcept;
  // pipepool's PipeMutex::lock and unlock.
  bool lock_pipepool(Waiter& self);
  void unlock_pipepool();
  // The newest spinner stops; false when none spins.
  bool stop_newest_spinner();
  // The scheduler switched `w` out (out) or in again: an owner's time off its CPU counts, and
  // kernel-model spinners stop spinning on an owner that is not running.
  void on_preempt(Waiter& w, bool out);

  Runqueue& runqueue_;
  LockModel model_;
  double handoff_ns_;
  double futex_wake_ns_;
  simgrid::s4u::MutexPtr mutex_;  // fifo
  bool locked_ = false;           // kernel
  std::deque<Waiter*> sleepers_;  // kernel: in arrival order (the wait_list)
  std::deque<Waiter*> spinners_;  // kernel: in arrival order (the osq), then first sleepers
  Waiter* handoff_request_ = nullptr;
  Waiter* handed_to_ = nullptr;  // owner-to-be that is not running yet
  long owner_ = -1;              // actor id, -1 when free
  Waiter* owner_task_ = nullptr;
  double owner_off_since_ = 0;
  double taken_at_ = 0;
  double hold_s_ = 0;
  double wait_s_ = 0;
  pipepool::LockStats counts_{};
  SpinStats spin_{};
  std::uint64_t progress_ = 0;  // note_progress calls so far
};

// An exclusive wait queue (wait_event_*_exclusive / wake_up): wake_one releases the longest
// sleeper, which re-checks its condition and sleeps again if it does not hold.
//
// Under LockModel::pipepool the queue is pipepool's WaitQueue: the oldest waiter spins first while
// `other` (the side that can release it) runs, and a released waiter that must wait again keeps
// the head; the waker pays `futex_wake_ns` for each sleeping waiter it wakes.
class WaitQueue {
 public:
  WaitQueue(Runqueue& runqueue, LockModel model, const SideRunning* other, double futex_wake_ns,
            SpinStats& stats) noexcept
      : runqueue_(runqueue),
        model_(model),
        other_(other),
        futex_wake_ns_(futex_wake_ns),
        stats_(stats) {}
  // Sleeps (without the pipe mutex) until `ready` holds; returns at once when it already does.
  void wait_until(Waiter& self, const std::function<bool()>& ready);
  void wake_one();
  void wake_all();

 private:
  // pipepool's spin_for_release: true when released while spinning.
  bool spin_for_release(Waiter& self);

  Runqueue& runqueue_;
  LockModel model_;
  const SideRunning* other_;
  double futex_wake_ns_;
  SpinStats& stats_;
  std::deque<Waiter*> sleepers_;  // waiters not yet released, oldest first (spinners included)
};

// pipepool's constants, from its source (src/internal/pipe_mutex.hpp, wait_queue.hpp), in
// seconds: the mutex's spin window without progress (kSpinNs) and longest spin (kSpinMaxNs), the
// oldest queue waiter's longest spin, and RunningCount's "recent" window (kRecentTicks
// time-stamp-counter ticks at kValidationTscGhz).
[[nodiscard]] double pipepool_mutex_spin_s() noexcept;
[[nodiscard]] double pipepool_mutex_spin_max_s() noexcept;
[[nodiscard]] double pipepool_queue_spin_s() noexcept;
[[nodiscard]] double pipepool_recent_s() noexcept;
// The development VM's time-stamp counter: 2445.4 MHz (lscpu: AMD EPYC, constant_tsc,
// tsc_known_freq, BogoMIPS 4890.85 = 2 x the TSC rate in MHz).
inline constexpr double kValidationTscGhz = 2.4454;

}  // namespace pipe_bench::sim
