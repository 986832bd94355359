// Replaying a recording: the same counts every time, every byte moved when the recorded order
// allows it, and page reuse where the policy keeps pages.
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

// A producer writing 4 KiB and 64 KiB messages (some larger than the pipe) to a consumer that
// reads in 4 KiB and 64 KiB pieces.
Recording pipeline() {
  Recording rec = bench_test::test_recording(100);
  add_batches(rec, 50, 1, 4096);
  add_call(rec, CallKind::write, 128 * 1024);  // twice the default pipe
  add_call(rec, CallKind::read, 64 * 1024);
  add_call(rec, CallKind::read, 64 * 1024);
  add_call(rec, CallKind::set_size, 1 << 20);
  for (int i = 0; i < 20; ++i) add_call(rec, CallKind::write, 65536);
  for (int i = 0; i < 20; ++i) add_call(rec, CallKind::read, 65536);
  PipeCall failed;
  failed.pipe = 1;
  failed.kind = CallKind::write;
  failed.requested = 10;
  failed.result = -11;
  rec.calls.push_back(failed);
  add_call(rec, CallKind::release, 0);
  return rec;
}

TEST(BenchReplay, TwoReplaysGiveTheSameCounts) {
  const Recording rec = pipeline();
  for (const PolicyKind policy :
       {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    const auto a = replay(rec, policy);
    const auto b = replay(rec, policy);
    ASSERT_EQ(a.error, "");
    EXPECT_EQ(a.counts, b.counts) << pipepool::to_string(policy);
    const std::uint64_t bytes = 50 * 4096 + 128 * 1024 + 20 * 65536;
    EXPECT_EQ(a.counts.bytes_written, bytes);
    EXPECT_EQ(a.counts.bytes_read, bytes);
    EXPECT_EQ(a.counts.short_calls, 0u);
    EXPECT_EQ(a.counts.allocs, a.counts.frees);
    EXPECT_EQ(a.counts.pool.allocs_in_lock + a.counts.pool.allocs_outside_lock, a.counts.allocs);
    EXPECT_EQ(a.counts.pool.lock_violations, 0u);
    EXPECT_EQ(a.counts.pipes, 1u);
  }
}

// legacy keeps the page a read empties and the next write takes it: 50 round trips of 4 KiB
// allocate one page, not 50.
TEST(BenchReplay, LegacyReusesTheEmptiedPage) {
  Recording rec = bench_test::recording_with_pipe();
  add_batches(rec, 50, 1, 4096);
  const auto r = replay(rec, PolicyKind::legacy);
  EXPECT_EQ(r.counts.allocs, 1u);
  EXPECT_EQ(r.counts.pool.pool_hits, 49u);
}

TEST(BenchReplay, CliPrintsTheKernelFirstAndWritesJsonAndCsv) {
  const std::string path = bench_test::write_temp_recording("p.ppr", pipeline());
  const std::string json = path + ".json";
  const std::string csv = path + ".csv";
  const auto run = bench_test::run_pipe_bench(
      {"--replay", path, "-t", "legacy,unified", "--json", json, "--csv", csv});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(run.out.find("kernel"), run.out.find("legacy"));
  EXPECT_NE(run.out.find("legacy vs kernel"), std::string::npos) << run.out;
  const auto j = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_EQ(j["replayed"], true);
  EXPECT_EQ(j["replay"]["recording"], path);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["target"], "kernel");
  EXPECT_EQ(j["results"][0]["metrics"]["pages"]["allocs"], 100);
  EXPECT_EQ(j["results"][0]["metrics"]["pages"]["source"], "kernel tracepoints");
  EXPECT_EQ(j["results"][1]["target"], "legacy");
  EXPECT_EQ(j["results"][1]["replayed"], true);
  EXPECT_TRUE(j["results"][1]["replay"]["vs_kernel_pct"].is_number());
  const std::string c = bench_test::read_file(csv);
  EXPECT_NE(c.find(",pages_source,pages_alloc,pages_free,"), std::string::npos) << c;
  EXPECT_NE(c.find(",kernel tracepoints,100,100,,replayed,,,,"), std::string::npos) << c;
  const auto again = bench_test::run_pipe_bench({"--replay", path, "-t", "legacy,unified"});
  EXPECT_EQ(again.out, run.out);
}

}  // namespace
