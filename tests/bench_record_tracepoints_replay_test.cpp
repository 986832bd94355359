// A tracepoint recording of a real pipeline replays deterministically: two replays of the same
// file on each policy give identical counts, and on kernel pipes the same pages as on legacy.
// Skipped, with the reason, where the syscall tracepoints cannot be opened.
#include <gtest/gtest.h>

#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/kernel_replay.hpp"
#include "pipe_bench/replay/recording_file.hpp"
#include "pipe_bench/replay/replayer.hpp"
#include "pipe_bench/replay/tracepoint_recorder.hpp"

namespace {

using namespace pipe_bench::replay;

TEST(BenchRecordTracepointsReplay, TwoReplaysGiveTheSameCounts) {
  const std::string root = pipe_bench::kernel_pages::kDefaultTracefs;
  const std::string why = tracepoints_unavailable(root);
  if (!why.empty()) GTEST_SKIP() << "syscall tracepoints unavailable: " << why;
  const std::string path = bench_test::temp_path("seq.ppr");
  const auto run = bench_test::run_pipe_bench({"--record", path, "--recorder", "tracepoints", "--",
                                               "sh", "-c", "seq 1 100000 | gzip -1 | wc -c"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto read = read_recording_file(path);
  ASSERT_TRUE(read.recording) << read.error;
  const Recording& r = *read.recording;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.begin()->first;
  std::uint64_t written = 0;
  for (const PipeCall& c : r.calls) {
    if (c.kind == CallKind::write && c.result > 0) written += static_cast<std::uint64_t>(c.result);
  }
  EXPECT_GE(written, 588'895u);  // seq's output (588,895 bytes) plus gzip's
  for (const auto policy : {pipepool::PolicyKind::legacy, pipepool::PolicyKind::unified}) {
    const ReplayOutcome a = replay(r, policy);
    const ReplayOutcome b = replay(r, policy);
    ASSERT_EQ(a.error, "");
    EXPECT_EQ(a.counts, b.counts) << pipepool::to_string(policy);
    EXPECT_GT(a.counts.allocs, 0u);
    EXPECT_EQ(a.counts.short_calls, 0u) << pipepool::to_string(policy);
  }
  const KernelReplay k = replay_on_kernel(r, root);
  ASSERT_TRUE(k.count.allocs) << k.count.unavailable;
  EXPECT_EQ(*k.count.allocs, replay(r, pipepool::PolicyKind::legacy).counts.allocs);
}

}  // namespace
