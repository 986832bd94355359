// The probe's two-CPU figures, for the simulation's lock model: how long a task blocked in
// FUTEX_WAIT takes to run after another CPU's FUTEX_WAKE when its own CPU is idle, and how long a
// lock takes to pass between two CPUs (the spinner's acquisition after the owner's release).
#pragma once

#include <sched.h>

#include <string>
#include <vector>

#include "pipe_bench/probe_stats.hpp"

namespace pipe_bench {

// Pins the calling thread to `cpu`; false when that fails.
bool pin_thread_to(int cpu);

// Saves the calling thread's affinity and restores it when destroyed; ok() false (and nothing to
// restore) when it could not be read.
class AffinityRestore {
 public:
  AffinityRestore() noexcept;
  ~AffinityRestore();
  AffinityRestore(const AffinityRestore&) = delete;
  AffinityRestore& operator=(const AffinityRestore&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  cpu_set_t saved_{};
  bool ok_ = false;
};

// The first two CPUs of the caller's affinity mask, with the caller's affinity saved and restored
// when this is destroyed. ok() false, with `error` set, when fewer than 2 CPUs are allowed or the
// affinity cannot be read.
class TwoCpus {
 public:
  explicit TwoCpus(std::string& error);
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] int first() const noexcept { return first_; }
  [[nodiscard]] int second() const noexcept { return second_; }

 private:
  AffinityRestore restore_;
  int first_ = -1;
  int second_ = -1;
  bool ok_ = false;
};
// One spin-wait pause.
void cpu_relax() noexcept;

struct CrossCpuSamples {
  std::vector<double> timer;          // one clock read (half of a back-to-back pair)
  std::vector<double> futex_wakeup;   // FUTEX_WAKE -> the waiter runs, one clock read removed
  std::vector<double> mutex_handoff;  // release -> the spinner holds the lock, likewise
};

struct CrossCpuMeasurement {
  CrossCpuSamples samples;
  std::string cpus;   // "CPU 0 -> CPU 1": the waker / releaser, then the woken / spinner
  std::string error;  // empty on success; one line otherwise (no samples then)
};

// Two threads pinned to the first two CPUs of the caller's affinity mask, `rounds` rounds of each
// figure. Wake-up: the waiter announces that it is about to call FUTEX_WAIT, the waker lets
// 200 us pass (the waiter's CPU goes idle), reads the clock and calls FUTEX_WAKE; the waiter reads
// the clock when its FUTEX_WAIT returns. Hand-off: the owner takes a lock word, waits until the
// other thread spins on it (plus 2 us), reads the clock and releases; the spinner reads the clock
// once its compare-and-swap takes the lock. Both clock stamps share the lock's cache line. Fails
// (error set) with fewer than 2 CPUs allowed.
[[nodiscard]] CrossCpuMeasurement measure_cross_cpu(unsigned rounds);

struct CrossCpuFigures {
  Figure futex_wakeup;
  Figure mutex_handoff;
};

[[nodiscard]] CrossCpuFigures derive_cross_cpu(const CrossCpuSamples& samples);

}  // namespace pipe_bench
