// `--record --recorder strace` of a real shell pipeline, then `--replay` of it on kernel pipes and
// legacy pipes, which allocate the same pages (root with strace and the kernel's tracepoints only;
// skipped otherwise, with the reason).
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"
#include "pipe_bench/exec_path.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/recording_file.hpp"

namespace {

using namespace pipe_bench::replay;

TEST(BenchRecordEndToEnd, ShellPipelineRecordsAndReplays) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: strace and the page counters need it here";
  if (!pipe_bench::find_executable("strace")) GTEST_SKIP() << "strace is not installed";
  {
    auto opened = pipe_bench::kernel_pages::open_kernel_page_counters();
    if (!opened.counters)
      GTEST_SKIP() << "kernel page counters unavailable: " << opened.unavailable;
  }
  const std::string path = bench_test::temp_path("e2e.ppr");
  const auto rec = bench_test::run_pipe_bench({"--record", path, "--recorder", "strace", "--", "sh",
                                               "-c", "seq 1 200000 | gzip -1 | wc -c"});
  if (rec.exit_code != 0 && rec.err.find("strace wrote no trace") != std::string::npos) {
    GTEST_SKIP() << "ptrace is not allowed here: " << rec.err;
  }
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const auto read = read_recording_file(path);
  ASSERT_TRUE(read.recording) << read.error;
  const Recording& r = *read.recording;
  EXPECT_EQ(r.command, "sh -c 'seq 1 200000 | gzip -1 | wc -c'");
  ASSERT_TRUE(r.kernel.allocs) << r.kernel.unavailable;
  EXPECT_GT(*r.kernel.allocs, 0u);
  std::size_t creates = 0;
  std::size_t writes = 0;
  for (const PipeCall& c : r.calls) {
    creates += c.kind == CallKind::create;
    writes += c.kind == CallKind::write && c.result > 0;
  }
  EXPECT_GE(creates, 2u);
  EXPECT_GT(writes, 10u);
  const std::string json = path + ".json";
  const auto replayed =
      bench_test::run_pipe_bench({"--replay", path, "-t", "kernel-replay,legacy", "--json", json});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_NE(replayed.out.find("legacy vs kernel"), std::string::npos) << replayed.out;
  // The same calls on kernel pipes and on legacy pipes allocate the same pages.
  const auto j = nlohmann::json::parse(bench_test::read_file(json));
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][1]["target"], "kernel-replay");
  EXPECT_EQ(j["results"][1]["metrics"]["pages"]["allocs"],
            j["results"][2]["metrics"]["pages"]["allocs"]);
}

}  // namespace
