// Closed form: when the only cost is a hold of h under the pipe mutex per write, and CPUs are
// plentiful, the mutex is the bottleneck and writes/s = 1 / h.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "pipe_bench/sim/simulation.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

TEST(SimLockBound, ThroughputIsOneOverTheHoldPerWrite) {
  // 16 pages per 64 KiB write, each copied under the mutex in 250 ns: h = 4 us.
  const SimCosts costs = sim_test::only_cost(&SimCosts::copy_write_ns, 250, "test: copy in only");
  const double hold_s = 16 * 250e-9;
  for (const auto& [policy, lock] : {std::pair{pipepool::PolicyKind::legacy, LockModel::fifo},
                                     std::pair{pipepool::PolicyKind::unified, LockModel::fifo},
                                     std::pair{pipepool::PolicyKind::legacy, LockModel::kernel}}) {
    SCOPED_TRACE(std::string(pipepool::to_string(policy)) + std::string(describe(lock)));
    const SimOutcome out = simulate(sim_test::config(
        {.policy = policy, .lock = lock, .cpus = 16, .actors = 4, .duration_s = 0.02}, costs));
    ASSERT_TRUE(out.ok) << out.error;
    const double writes_per_s = sim_test::writes_per_s(out);
    EXPECT_LE(writes_per_s, 1.0 / hold_s * 1.0001);
    EXPECT_NEAR(writes_per_s * hold_s, 1.0, 0.005);
    // The mutex is held h per write (readers hold it for no time) and busy all the time.
    EXPECT_NEAR(static_cast<double>(out.pipe.lock.hold_ns) / static_cast<double>(out.writes),
                hold_s * 1e9, 1.0);
  }
}

}  // namespace
}  // namespace pipe_bench::sim
