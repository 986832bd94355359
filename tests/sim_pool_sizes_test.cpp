// The simulated pipe's pool has the sizes asked for (--pool-keep, --pool-max): a 64 KiB write
// (16 pages) prefills at most `max` pages before the mutex, the pool never holds more than `max`
// (unified) and ends each call with at most `keep`; the kernel's sizes (KEEP 2, MAX 8) give
// larger bursts. From the command line, the text and the JSON's context name the sizes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"
#include "sim_support.hpp"

namespace pipe_bench::sim {
namespace {

SimOutcome run(pipepool::PolicyKind policy, pipepool::PoolSizes sizes) {
  SimConfig c = sim_test::config(
      {.policy = policy, .lock = LockModel::fifo, .cpus = 4, .actors = 1, .duration_s = 0.002},
      sim_test::only_cost(&SimCosts::copy_write_ns, 250, "test: copy in only"));
  c.pool_sizes = sizes;
  return simulate(c);
}

TEST(SimPoolSizes, UnifiedBurstAndPoolStayWithinMaxAndEndAtKeep) {
  const SimOutcome out = run(pipepool::PolicyKind::unified,
                             {.legacy_cache = pipepool::kLegacyCache, .keep = 1, .max = 4});
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_GT(out.writes, 0u);
  const auto& pool = out.pipe.pool;
  EXPECT_GT(pool.allocs_outside_lock, 0u);
  EXPECT_LE(pool.allocs_outside_lock, 4 * out.writes);
  EXPECT_LE(pool.pool_peak, 4u);
  EXPECT_LE(pool.pool_size, 1u);
  EXPECT_EQ(pool.lock_violations, 0u);
}

TEST(SimPoolSizes, TheKernelSizesGiveLargerBursts) {
  const SimOutcome out = run(pipepool::PolicyKind::unified, {});
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_GT(out.pipe.pool.pool_peak, 4u);
  EXPECT_LE(out.pipe.pool.pool_peak, 8u);
  EXPECT_LE(out.pipe.pool.pool_size, 2u);
}

TEST(SimPoolSizes, ShrinkerBurstStaysWithinMax) {
  const SimOutcome out = run(pipepool::PolicyKind::shrinker,
                             {.legacy_cache = pipepool::kLegacyCache, .keep = 1, .max = 4});
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_GT(out.writes, 0u);
  EXPECT_LE(out.pipe.pool.allocs_outside_lock, 4 * out.writes);
  EXPECT_EQ(out.pipe.pool.lock_violations, 0u);
}

TEST(SimPoolSizes, TextAndJsonNameTheSizes) {
  const std::string json_path = bench_test::temp_path("pool_sizes.json");
  const auto r = bench_test::run_pipe_bench({"--simulate", "-w", "1", "-r", "1", "-d", "0.001",
                                             "-t", "unified", "--pool-keep", "3", "--pool-max", "5",
                                             "--json", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pool sizes: keep 3, max 5"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  const auto& sizes = doc.at("context").at("pool_sizes");
  EXPECT_EQ(sizes.at("keep").get<unsigned>(), 3u);
  EXPECT_EQ(sizes.at("max").get<unsigned>(), 5u);
}

}  // namespace
}  // namespace pipe_bench::sim
