// pipe_bench's `procs` target: writers and readers in forked processes over one shared pipe move
// every byte they write, the parent sees the children's tallies, and the shared pool's page
// counters account for every page the ring used.
#include <gtest/gtest.h>

#include <string>

#include "bench_target_run.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "shared_support.hpp"

namespace {

using namespace pipe_bench;

TEST(BenchProcsTarget, ManyWritersAndReadersMoveEveryByte) {
  pipepool::testing::HangGuard guard;
  constexpr std::size_t kMsg = 64 * 1024;
  const WorkloadResult r = pipe_bench::target_run::run_target("procs", kMsg, 2, 3);
  pipe_bench::target_run::expect_consistent(r, kMsg);
  ASSERT_TRUE(r.pipe_stats.has_value());
  // Page-multiple writes never merge: each write filled kMsg / 4096 slots, each with a page from
  // the tmp_page cache or the arena. Once drained, the pages not freed are the cached ones.
  const pipepool::PoolStats& p = r.pipe_stats->pool;
  EXPECT_EQ(p.allocs_in_lock + p.pool_hits, r.writes * (kMsg / 4096));
  EXPECT_EQ(p.allocs_in_lock - p.frees_in_lock, p.pool_size);
  EXPECT_LE(p.pool_size, p.pool_peak);
  EXPECT_LE(p.pool_peak, 2u);
  // The pipe's own call and lock counters agree with the processes' tallies.
  EXPECT_EQ(r.pipe_stats->writes, r.writes);
  EXPECT_EQ(r.pipe_stats->bytes_written, r.bytes_written);
  EXPECT_EQ(r.pipe_stats->bytes_read, r.bytes_read);
  EXPECT_GE(r.pipe_stats->lock.acquisitions, r.pipe_stats->writes + r.pipe_stats->reads);
  EXPECT_GT(r.pipe_stats->lock.hold_ns, 0u);
}

TEST(BenchProcsTarget, OneWriterOneReaderSmallWritesMoveEveryByte) {
  pipepool::testing::HangGuard guard;
  const WorkloadResult r = pipe_bench::target_run::run_target("procs", 64, 1, 1);
  pipe_bench::target_run::expect_consistent(r, 64);
}

TEST(BenchProcsTarget, PacketModeIsRefusedWithExitCodeTwo) {
  TargetConfig config;
  config.packet = true;
  auto target = make_target("procs", config);
  ASSERT_NE(target, nullptr);
  const OpenResult opened = target->open();
  EXPECT_EQ(opened.endpoints, nullptr);
  EXPECT_EQ(opened.exit_code, 2);
  EXPECT_NE(opened.error.find("procs"), std::string::npos);
}

}  // namespace
