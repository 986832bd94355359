// pipe_bench's workload on a real kernel pipe and on a pipepool (unified) pipe: every byte
// written is read, counters add up.
#include <gtest/gtest.h>

#include <chrono>

#include "bench_target_run.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/workload.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;

WorkloadResult run_on(const char* target_name, unsigned writers, unsigned readers,
                      std::size_t msg_size) {
  TargetConfig config;
  config.pipe_size = 256 * 1024;
  auto target = make_target(target_name, config);
  EXPECT_NE(target, nullptr);
  if (!target) return {};
  OpenResult opened = target->open();
  EXPECT_NE(opened.endpoints, nullptr) << opened.error;
  if (!opened.endpoints) return {};
  WorkloadConfig workload;
  workload.writers = writers;
  workload.readers = readers;
  workload.msg_size = msg_size;
  workload.duration = 200ms;
  return run_workload(*opened.endpoints, workload);
}

using target_run::expect_consistent;

TEST(BenchWorkload, KernelPipeDeliversEveryByte) {
  const WorkloadResult r = run_on("kernel", 2, 2, 64 * 1024);
  expect_consistent(r, 64 * 1024);
  EXPECT_FALSE(r.pipe_stats.has_value());
}

TEST(BenchWorkload, UnifiedPipeDeliversEveryByteAndCountsPages) {
  const WorkloadResult r = run_on("unified", 2, 2, 64 * 1024);
  expect_consistent(r, 64 * 1024);
  ASSERT_TRUE(r.pipe_stats.has_value());
  EXPECT_EQ(r.pipe_stats->bytes_written, r.bytes_written);
  EXPECT_EQ(r.pipe_stats->bytes_read, r.bytes_read);
  // 16 pages per 64 KiB message come from the allocator or the pool; the unified pool holds at
  // most kPreallocMax pages.
  const auto& pool = r.pipe_stats->pool;
  EXPECT_GE(pool.allocs_in_lock + pool.allocs_outside_lock + pool.pool_hits, r.writes * 16);
  EXPECT_LE(pool.pool_peak, 8u);
}

TEST(BenchWorkload, MessageLargerThanThePipeStillCompletes) {
  // Partial writes are completed by the writer loop: 512 KiB messages through a 256 KiB pipe.
  const WorkloadResult r = run_on("kernel", 1, 1, 512 * 1024);
  expect_consistent(r, 512 * 1024);
}

TEST(BenchWorkload, KernelRefusesPipeSizeAboveMaxWithExit2) {
  TargetConfig config;
  config.pipe_size = 2 * 1024 * 1024;  // above pipe-max-size; EPERM without CAP_SYS_RESOURCE
  auto target = make_target("kernel", config);
  ASSERT_NE(target, nullptr);
  const OpenResult opened = target->open();
  if (opened.endpoints) GTEST_SKIP() << "this process may grow pipes beyond pipe-max-size";
  EXPECT_EQ(opened.exit_code, 2);
  EXPECT_NE(opened.error.find("--pipe-size"), std::string::npos) << opened.error;
}

TEST(BenchWorkload, UnknownTargetIsNull) {
  EXPECT_EQ(make_target("bogus", TargetConfig{}), nullptr);
}

}  // namespace
