// Which simulated tasks hold a CPU. SimGrid shares a host's cores among the actors that execute
// (processor sharing); the Runqueue counts the tasks that are not asleep, so that the lock model
// can tell whether a CPU is idle (a woken task then pays the wake-up latency), whether a task
// that wants to spin has a CPU of its own, and which spinner must give its CPU up when a woken
// task needs it (the kernel's need_resched() on the spinner's CPU).
#pragma once

#include <functional>

namespace pipe_bench::sim {

class Runqueue {
 public:
  Runqueue(unsigned cpus, unsigned actors, double wakeup_ns) noexcept
      : cpus_(cpus), runnable_(actors), wakeup_s_(wakeup_ns * 1e-9) {}

  void sleep() noexcept { --runnable_; }
  // Runnable again; returns the seconds it takes to start running: the wake-up latency when a
  // CPU was idle, else 0. When the task makes more runnable tasks than CPUs, one spinner (if
  // any) is told to give its CPU up (the preempt hook).
  [[nodiscard]] double wake();
  void exit() noexcept { --runnable_; }

  // Whether every runnable task, the caller included, has a CPU of its own.
  [[nodiscard]] bool every_task_has_a_cpu() const noexcept { return runnable_ <= cpus_; }

  // Called by wake() when the CPUs are overcommitted; stops one spinner, false when none spins.
  void set_preempt_hook(std::function<bool()> hook) { preempt_ = std::move(hook); }

 private:
  unsigned cpus_;
  unsigned runnable_;
  double wakeup_s_;
  std::function<bool()> preempt_;
};

}  // namespace pipe_bench::sim
