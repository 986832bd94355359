// --replay with pool sizes: the replayed pipes' pools have them, the counts change accordingly,
// the JSON records them, and bad values exit 2 before the recording is read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_replay_support.hpp"
#include "bench_test_support.hpp"
#include "pipe_bench/replay/replayer.hpp"

namespace {

using namespace pipe_bench::replay;
using bench_test::add_batches;
using bench_test::add_call;
using pipepool::PolicyKind;

// Three 4 KiB writes and one read taking them, twice; then four 4 KiB writes and a read.
Recording three_then_four() {
  Recording rec = bench_test::test_recording(6);
  add_batches(rec, 2, 3, 4096);
  add_batches(rec, 1, 4, 4096);
  add_call(rec, CallKind::release, 0);
  return rec;
}

TEST(BenchReplayPoolSizes, LegacyCacheOfOneAllocatesMore) {
  const Recording rec = three_then_four();
  const auto two = replay(rec, PolicyKind::legacy);
  const auto one = replay(rec, PolicyKind::legacy, {1, 2, 8});
  EXPECT_EQ(two.counts.allocs, 3u + 1u + 2u);
  EXPECT_EQ(one.counts.allocs, 3u + 2u + 3u);
  EXPECT_EQ(one.counts.pool.pool_peak, 1u);
  EXPECT_EQ(two.counts.pool.pool_peak, 2u);
}

TEST(BenchReplayPoolSizes, UnifiedKeepFourAllocatesFewer) {
  const Recording rec = three_then_four();
  const auto keep2 = replay(rec, PolicyKind::unified);
  const auto keep4 = replay(rec, PolicyKind::unified, {2, 4, 8});
  EXPECT_EQ(keep4.counts.allocs, 4u);  // 3, then the 4th page of the last round
  EXPECT_LT(keep4.counts.allocs, keep2.counts.allocs);
  EXPECT_EQ(keep4.counts.bytes_read, keep2.counts.bytes_read);
}

TEST(BenchReplayPoolSizes, CliRecordsTheSizesAndRefusesBadOnes) {
  const std::string path = bench_test::write_temp_recording("sizes.ppr", three_then_four());
  const std::string json = path + ".json";
  const auto run = bench_test::run_pipe_bench(
      {"--replay", path, "-t", "unified", "--pool-keep", "4", "--json", json});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("keep 4"), std::string::npos) << run.out;
  const auto j = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_EQ(j["context"]["pool_sizes"]["keep"], 4);
  EXPECT_EQ(j["context"]["pool_sizes"]["max"], 8);
  EXPECT_EQ(j["results"][1]["metrics"]["pages"]["allocs"], 4);

  const auto bad = bench_test::run_pipe_bench({"--replay", "/nonexistent", "--pool-max", "0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--pool-max"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find('\n'), bad.err.size() - 1) << bad.err;
}

}  // namespace
