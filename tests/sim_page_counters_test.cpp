// The simulated pipe runs pipepool's own policies, so its page counters per write must agree with
// a real pipepool pipe's in the kernel copy mode on the same workload (5 writers, 5 readers,
// 64 KiB writes, 1 MiB pipe, the same allocation and free costs), within the run-to-run noise of
// the real pipe (how often a pool is found empty depends on the interleaving).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "pipe_bench/sim/simulation.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/workload.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

using namespace std::chrono_literals;

// Pages per write. Five real runs of this workload on the 2-core development VM under load spread
// by less than 0.1 page per write for every counter and policy (docs/SIMULATION.md, "Page
// counters").
constexpr double kTolerancePages = 0.5;

struct PerWrite {
  double alloc_in = 0, alloc_out = 0, free_in = 0, free_out = 0;
};

PerWrite per_write(const pipepool::PoolStats& p, std::uint64_t writes) {
  const double w = static_cast<double>(writes);
  return {static_cast<double>(p.allocs_in_lock) / w, static_cast<double>(p.allocs_outside_lock) / w,
          static_cast<double>(p.frees_in_lock) / w, static_cast<double>(p.frees_outside_lock) / w};
}

PerWrite measured(const std::string& policy, const SimCosts& costs) {
  TargetConfig config;
  config.copy = pipepool::CopyMode::kernel;
  config.allocator = pipepool::AllocatorKind::model;
  config.model.alloc_cost_ns = static_cast<std::uint64_t>(costs.alloc_ns);
  config.model.free_cost_ns = static_cast<std::uint64_t>(costs.free_ns);
  auto target = make_target(policy, config);
  EXPECT_NE(target, nullptr);
  if (!target) return {};
  WorkloadConfig workload;
  workload.writers = 5;
  workload.readers = 5;
  workload.duration = 300ms;
  RunAttempt attempt = target->run(workload);
  EXPECT_TRUE(attempt.result && attempt.result->ok() && attempt.result->pipe_stats)
      << attempt.error;
  if (!attempt.result || !attempt.result->pipe_stats || attempt.result->writes == 0) return {};
  return per_write(attempt.result->pipe_stats->pool, attempt.result->writes);
}

PerWrite simulated(pipepool::PolicyKind policy, const SimCosts& costs) {
  const SimOutcome out = simulate(sim_test::config(
      {.policy = policy, .lock = LockModel::fifo, .cpus = 2, .actors = 5, .duration_s = 0.05},
      costs));
  EXPECT_TRUE(out.ok) << out.error;
  if (!out.ok || out.writes == 0) return {};
  return per_write(out.pipe.pool, out.writes);
}

// Disabled: the model does not agree yet. Its writers and readers run in lockstep (no wake-up
// latency, no spinning), so legacy finds its spare pages 0.8 times per write against 0.15 in real
// runs, and unified allocates 10.4 pages under the lock against 8.4 (docs/SIMULATION.md, "Page
// counters"). Run it with --gtest_also_run_disabled_tests.
TEST(SimPageCounters, DISABLED_EveryPolicyAgreesWithARealPipeInKernelCopyMode) {
  const SimCosts costs = default_costs();
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::prealloc,
                            pipepool::PolicyKind::unified, pipepool::PolicyKind::shrinker}) {
    const std::string name(pipepool::to_string(policy));
    SCOPED_TRACE(name);
    const PerWrite real = measured(name, costs);
    const PerWrite sim = simulated(policy, costs);
    EXPECT_NEAR(sim.alloc_in, real.alloc_in, kTolerancePages);
    EXPECT_NEAR(sim.alloc_out, real.alloc_out, kTolerancePages);
    EXPECT_NEAR(sim.free_in, real.free_in, kTolerancePages);
    EXPECT_NEAR(sim.free_out, real.free_out, kTolerancePages);
    std::printf(
        "%-9s alloc in/out, free in/out per write: real %.2f %.2f %.2f %.2f  sim %.2f "
        "%.2f %.2f %.2f\n",
        name.c_str(), real.alloc_in, real.alloc_out, real.free_in, real.free_out, sim.alloc_in,
        sim.alloc_out, sim.free_in, sim.free_out);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
