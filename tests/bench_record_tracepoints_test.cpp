// A live recording with the tracepoint recorder of a program whose pipe calls are known:
// `printf abc | cat >/dev/null` makes one pipe, writes 3 bytes into it once, and cat reads them
// and then the end of file (and `resume` calls if the write slept, left out of the check). The
// kernel, counting in the same run, allocates one pipe page.
// Skipped, with the reason, where the syscall tracepoints cannot be opened.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/recording_file.hpp"
#include "pipe_bench/replay/tracepoint_recorder.hpp"

namespace {

using namespace pipe_bench::replay;

TEST(BenchRecordTracepoints, TinyPipelineIsRecordedExactly) {
  const std::string why = tracepoints_unavailable(pipe_bench::kernel_pages::kDefaultTracefs);
  if (!why.empty()) GTEST_SKIP() << "syscall tracepoints unavailable: " << why;
  const std::string path = bench_test::temp_path("tiny.ppr");
  const auto run = bench_test::run_pipe_bench({"--record", path, "--recorder", "tracepoints", "--",
                                               "sh", "-c", "printf abc | cat >/dev/null"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto read = read_recording_file(path);
  ASSERT_TRUE(read.recording) << read.error;
  const std::size_t all = read.recording->calls.size();
  EXPECT_NE(run.out.find(fmt::format("recorded {} pipe calls with tracepoints", all)),
            std::string::npos)
      << run.out;
  // A write that had to sleep (for the pipe mutex, say) adds `resume` calls: not counted here.
  Recording r = *read.recording;
  std::erase_if(r.calls, [](const PipeCall& c) { return c.kind == CallKind::resume; });
  EXPECT_EQ(r.recorder, "tracepoints");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.begin()->first;
  ASSERT_EQ(r.calls.size(), 5u);
  const std::uint64_t pipe = r.calls[0].pipe;
  const std::vector<std::pair<CallKind, std::int64_t>> expected = {{CallKind::create, 0},
                                                                   {CallKind::write, 3},
                                                                   {CallKind::read, 3},
                                                                   {CallKind::read, 0},
                                                                   {CallKind::release, 0}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.calls[i].kind, expected[i].first) << "call " << i;
    EXPECT_EQ(r.calls[i].result, expected[i].second) << "call " << i;
    EXPECT_EQ(r.calls[i].pipe, pipe) << "call " << i;
  }
  EXPECT_EQ(r.calls[1].requested, 3u);
  ASSERT_TRUE(r.kernel.allocs) << r.kernel.unavailable;
  EXPECT_EQ(*r.kernel.allocs, 1u);
}

TEST(BenchRecordTracepoints, UnknownRecorderIsAUsageError) {
  const auto run =
      bench_test::run_pipe_bench({"--record", "x.ppr", "--recorder", "ptrace", "--", "true"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "pipe_bench: --recorder: unknown recorder \"ptrace\" (tracepoints, strace)\n");
}

}  // namespace
