// The simulated scheduler: per-CPU run queues with time slices, as the kernel's fair class
// (EEVDF) runs tasks of equal weight and slice. SimGrid would share a host's cores among all the
// actors that execute (processor sharing); here an actor executes only while it is the task
// running on one of the simulated CPUs, so that no core is ever shared:
//
// - a task runs its slice (sysctl_sched_base_slice: 0.70 ms x (1 + ilog2(min(CPUs, 8))), the
//   default of kernel/sched/fair.c since Linux 6.15) and is preempted at the slice's end when
//   another task waits for its CPU (it goes to the back of that CPU's queue, with a new slice);
//   a woken task does not preempt the running one (RUN_TO_PARITY: the current task keeps the CPU
//   until its slice ends);
// - a task that wakes up is placed on its previous CPU when that is idle, else on another idle
//   CPU (select_idle_sibling), and then starts after the wake-up latency; with no CPU idle it is
//   queued on its previous CPU and starts when it is picked, without that latency;
// - a CPU whose task sleeps or exits runs the head of its queue, or, with an empty queue, pulls
//   the head of the longest other queue (the newly idle balance), or idles;
// - a task preempted while it holds the pipe mutex keeps it: its hold includes the time off its
//   CPU (the preempt hook lets the lock model see it).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <utility>
#include <vector>

namespace pipe_bench::sim {

// One simulated task (an actor): its CPU, its sleep and its spin. Each actor owns one and passes
// it to the scheduler, the mutex and the wait queues.
struct Waiter {
  unsigned cpu = 0;  // the CPU it runs on, or ran on last
  simgrid::s4u::SemaphorePtr wake = simgrid::s4u::Semaphore::create(0);
  bool woken = false;  // a wake-up is on its way (not yet consumed)
  // While it spins on the mutex: the CPU it burns (an execution cancelled to end the spin), and
  // why the spin ended.
  simgrid::s4u::ExecPtr spin;
  enum class SpinEnd { spinning, acquired, stopped } spin_end = SpinEnd::spinning;
  bool spin_started = false;  // the spin's execution has started (it can be cancelled)
  bool queue_spin = false;    // spinning in a wait queue (pipepool model), not on the mutex
  // The scheduler's state: off (asleep, exited or not started), queued for a CPU, or running.
  enum class State { off, queued, running } state = State::off;
  double slice_left_s = 0;  // of the running slice
  simgrid::s4u::SemaphorePtr cpu_grant = simgrid::s4u::Semaphore::create(0);
};

// What the scheduler did over a run.
struct SchedStats {
  std::uint64_t preemptions = 0;         // slice ends that switched a runnable task out
  std::uint64_t wakeups_idle = 0;        // wake-ups placed on an idle CPU (latency paid)
  std::uint64_t wakeups_queued = 0;      // wake-ups queued behind a running task
  std::uint64_t migrations = 0;          // tasks pulled by a newly idle CPU, or woken elsewhere
  std::uint64_t need_resched_spins = 0;  // spins ended at a slice's end (another task waited)
};

// sysctl_sched_base_slice for `cpus` CPUs, in ns: 700000 x (1 + ilog2(min(cpus, 8))).
[[nodiscard]] double kernel_base_slice_ns(unsigned cpus) noexcept;

class Runqueue {
 public:
  // Every wake-up onto an idle CPU takes `wakeup_ns`, or, when `quantiles_ns` (the latency's
  // quantiles 0, 1/n, ..., 1, ascending) has two or more, a draw from that distribution: a uniform
  // u from a generator seeded with `seed`, linear between the quantiles around u. `slice_ns` 0:
  // the kernel's base slice for `cpus`.
  Runqueue(unsigned cpus, double wakeup_ns, std::vector<double> quantiles_ns = {},
           std::uint64_t seed = 1, double slice_ns = 0);

  // The calling actor's task starts on `cpu` (placed as a wake-up, without the latency).
  void start(Waiter& self, unsigned cpu);
  // Runs `ns` of CPU on the caller's CPU, in slices (preempted at a slice's end when another task
  // waits for the CPU).
  void run(Waiter& self, double ns);
  // The running task's task (the actor calling it), which must have started.
  [[nodiscard]] Waiter& current() const;
  // The caller's task leaves its CPU (to sleep or for good); the CPU picks its next task.
  void sleep(Waiter& self);
  // The caller's task, woken, is placed on a CPU and returns when it runs there (after the
  // wake-up latency on an idle CPU).
  void wake(Waiter& self);
  // Blocks the caller until another actor releases self.wake: sleep, the wake-up, wake.
  void block(Waiter& self);

  // The end of the caller's slice: a new slice, and, when another task waits for the CPU, the
  // caller goes to the back of the queue and returns when it runs again. True when preempted.
  bool end_slice(Waiter& self);
  // The caller's slice ran out while it spun (spent_s since the spin or the last check was
  // accounted): true when another task waits for its CPU (need_resched()); the slice is renewed.
  [[nodiscard]] bool spin_needs_resched(Waiter& self, double spent_s);

  [[nodiscard]] static bool running(const Waiter& w) noexcept {
    return w.state == Waiter::State::running;
  }
  [[nodiscard]] double slice_s() const noexcept { return slice_s_; }
  [[nodiscard]] unsigned cpus() const noexcept { return static_cast<unsigned>(cpus_.size()); }
  // One wake-up latency in seconds (the constant, or a draw).
  [[nodiscard]] double latency_s();
  [[nodiscard]] const SchedStats& stats() const noexcept { return stats_; }

  // Called with a task switched out at a slice's end while still runnable (out true), and with
  // it again when it runs again (out false).
  void set_preempt_hook(std::function<void(Waiter&, bool out)> hook) { preempt_ = std::move(hook); }

 private:
  struct Cpu {
    Waiter* current = nullptr;
    std::deque<Waiter*> queue;
  };
  // Gives `cpu` to the head of its queue, or the head of the longest other queue, or idles it.
  void pick_next(unsigned cpu);
  // Makes `w` the task running on `cpu`, with a new slice; grant also lets it run.
  void assign(unsigned cpu, Waiter& w);
  void grant(unsigned cpu, Waiter& w);
  // Places a waking task; true when it landed on an idle CPU.
  bool place(Waiter& self);
  [[nodiscard]] bool idle(unsigned cpu) const noexcept {
    return cpus_[cpu].current == nullptr && cpus_[cpu].queue.empty();
  }

  std::vector<Cpu> cpus_;
  double slice_s_;
  double wakeup_s_;
  std::vector<double> quantiles_ns_;
  std::mt19937_64 rng_;
  std::vector<Waiter*> by_actor_;  // actor id -> its task
  std::function<void(Waiter&, bool)> preempt_;
  SchedStats stats_{};
};

}  // namespace pipe_bench::sim
