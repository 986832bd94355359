// Which simulated tasks hold a CPU. SimGrid shares a host's cores among the actors that execute
// (processor sharing); the Runqueue counts the tasks that are not asleep, so that the lock model
// can tell whether a CPU is idle (a woken task then pays the wake-up latency), whether a task
// that wants to spin has a CPU of its own, and which spinner must give its CPU up when a woken
// task needs it (the kernel's need_resched() on the spinner's CPU).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <utility>
#include <vector>

namespace pipe_bench::sim {

class Runqueue {
 public:
  // Every wake-up onto an idle CPU takes `wakeup_ns`, or, when `quantiles_ns` (the latency's
  // quantiles 0, 1/n, ..., 1, ascending) has two or more, a draw from that distribution: a uniform
  // u from a generator seeded with `seed`, linear between the quantiles around u.
  Runqueue(unsigned cpus, unsigned actors, double wakeup_ns, std::vector<double> quantiles_ns = {},
           std::uint64_t seed = 1)
      : cpus_(cpus),
        runnable_(actors),
        wakeup_s_(wakeup_ns * 1e-9),
        quantiles_ns_(std::move(quantiles_ns)),
        rng_(seed) {}

  void sleep() noexcept { --runnable_; }
  // Runnable again; returns the seconds it takes to start running: the wake-up latency when a
  // CPU was idle, else 0. When the task makes more runnable tasks than CPUs, one spinner (if
  // any) is told to give its CPU up (the preempt hook).
  [[nodiscard]] double wake();
  // One wake-up latency in seconds (the constant, or a draw).
  [[nodiscard]] double latency_s();
  void exit() noexcept { --runnable_; }

  // Whether every runnable task, the caller included, has a CPU of its own.
  [[nodiscard]] bool every_task_has_a_cpu() const noexcept { return runnable_ <= cpus_; }

  // Called by wake() when the CPUs are overcommitted; stops one spinner, false when none spins.
  void set_preempt_hook(std::function<bool()> hook) { preempt_ = std::move(hook); }

 private:
  unsigned cpus_;
  unsigned runnable_;
  double wakeup_s_;
  std::vector<double> quantiles_ns_;
  std::mt19937_64 rng_;
  std::function<bool()> preempt_;
};

}  // namespace pipe_bench::sim
