// One simulated run of the selftest workload: W writer and R reader actors on one host of N cores,
// one pipe, closed-loop writes of S bytes until D virtual seconds have passed, then the writers
// close and the readers drain to end of file (as tools/pipe_bench/workload.cpp does with threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "pipe_bench/histogram.hpp"
#include "pipe_bench/sim/costs.hpp"
#include "pipe_bench/sim/placement.hpp"
#include "pipe_bench/sim/runqueue.hpp"
#include "pipe_bench/sim/sim_pipe.hpp"
#include "pipe_bench/sim/sync.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

struct SimConfig {
  pipepool::PolicyKind policy = pipepool::PolicyKind::legacy;
  // --legacy-cache, --pool-keep, --pool-max: the policy's pool sizes (the kernel's by default).
  pipepool::PoolSizes pool_sizes{};
  unsigned cpus = 2;
  unsigned writers = 5;
  unsigned readers = 5;
  std::size_t msg_size = 64 * 1024;
  std::size_t pipe_size = 1024 * 1024;
  double duration_s = 1.0;  // virtual seconds
  // Start offsets of the actors (uniform in [0, 1 us)); the wake-up and reclaim draws have
  // generators of their own seeded from it.
  std::uint64_t seed = 1;
  SimCosts costs;
  LockModel lock_model = LockModel::fifo;
  PageModel page_model = PageModel::one_cpu;
  // The scheduler's time slice in ns; 0: the kernel's base slice for `cpus` (runqueue.hpp).
  double slice_ns = 0;
};

// Plain data, so that a forked child can hand it back as bytes.
struct SimOutcome {
  bool ok = false;
  char error[160] = {};
  std::uint64_t writes = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  double elapsed_s = 0;  // virtual: start to the last writer's stop
  double wall_s = 0;     // real time the simulation took
  // Steps simulated: CPU charges, mutex acquisitions and spins (each one or more engine events).
  std::uint64_t steps = 0;
  pipepool::PipeStats pipe{};
  SpinStats mutex_spin{};  // the lock model's spins and sleeps on the mutex (zero with fifo)
  SpinStats queue_spin{};  // the pipepool model's wait-queue spins and futex wake-ups
  ChargeTotals charged{};  // CPU time of the pipe's steps, and its split under the mutex
  std::uint64_t cross_allocations = 0;  // PageModel::kernel: allocations from other CPUs' frees
  std::uint64_t cross_frees = 0;        // and frees of pages allocated on another CPU
  SchedStats sched{};                   // the scheduler's preemptions, wake-ups, migrations
  std::uint64_t reclaim_stalls = 0;     // allocations that stalled in reclaim (memory pressure)
  Histogram latency;                    // virtual ns per write, all writers
};
static_assert(std::is_trivially_copyable_v<SimOutcome>);

// Runs the simulation in this process. SimGrid allows one engine per process: call it once, in a
// process of its own (simulate_in_child does that).
[[nodiscard]] SimOutcome simulate_here(const SimConfig& config);

// Runs simulate_here in a forked child and returns its outcome (ok false with the reason when the
// child fails).
[[nodiscard]] SimOutcome simulate(const SimConfig& config);

}  // namespace pipe_bench::sim
