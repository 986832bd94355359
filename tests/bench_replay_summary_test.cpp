// `pipe_bench --replay FILE --summary`: one line per policy in pages, against the kernel's
// recorded count, naming the recording; --summary is refused with --record.
#include <gtest/gtest.h>

#include "bench_replay_support.hpp"
#include "bench_test_support.hpp"

namespace {

using namespace pipe_bench::replay;

TEST(BenchReplaySummary, OneLinePerPolicyAgainstTheKernelsCount) {
  Recording rec = bench_test::test_recording(10);
  bench_test::add_batches(rec, 50, 1, 4096);  // legacy reuses its one page: 1 allocation
  const std::string path = bench_test::write_temp_recording("s.ppr", rec);
  const auto run =
      bench_test::run_pipe_bench({"--replay", path, "-t", "legacy,unified", "--summary"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string summary = run.out.substr(run.out.find("\nsummary\n"));
  EXPECT_NE(summary.find("legacy vs kernel: -90.0% pages allocated (1 vs 10;"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("unified vs kernel: "), std::string::npos) << summary;
  EXPECT_NE(summary.find("REPLAYED from " + path + " (recorder strace)"), std::string::npos)
      << summary;

  const auto bad = bench_test::run_pipe_bench({"--record", path, "--summary", "--", "true"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--summary"), std::string::npos) << bad.err;
}

}  // namespace
