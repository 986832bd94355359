// The run loop drives any source: --runs N rounds in -t order, --runs auto rounds alternately in
// -t order and reversed until the comparisons resolve, every run numbered by its round, the
// comparisons with the baseline after each configuration, and a failed run's exit code.
#include <gtest/gtest.h>

#include "bench_fake_source.hpp"
#include "bench_options_support.hpp"
#include "pipe_bench/run_loop.hpp"

namespace {

using bench_test::FakeSource;
using bench_test::RecordingObserver;
using pipe_bench::SessionResults;

pipe_bench::Options options(std::initializer_list<const char*> args) {
  auto parsed = bench_test::parse(args);
  EXPECT_TRUE(parsed.options.has_value()) << parsed.output;
  return *parsed.options;
}

TEST(BenchRunLoop, FixedRunsAreRoundsInTargetOrderForEveryConfiguration) {
  const auto o = options({"-w", "1,2", "-r", "1", "-t", "kernel,legacy,unified", "--runs", "3"});
  FakeSource source({{"kernel", 100}, {"legacy", 200}, {"unified", 300}});
  RecordingObserver observer;
  SessionResults session;
  ASSERT_EQ(run_plan(o, make_plan(o), source, observer, session, stderr), 0);

  const std::vector<std::string> one_config{"kernel/1", "legacy/1", "unified/1",
                                            "kernel/2", "legacy/2", "unified/2",
                                            "kernel/3", "legacy/3", "unified/3"};
  std::vector<std::string> expected = one_config;
  expected.insert(expected.end(), one_config.begin(), one_config.end());
  EXPECT_EQ(source.calls, expected);
  ASSERT_EQ(session.results.size(), 2u);
  for (const auto& config : session.results) {
    ASSERT_EQ(config.series.size(), 3u);
    for (const auto& series : config.series) {
      ASSERT_EQ(series.runs.size(), 3u);
      for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(series.runs[i].run_index, i + 1);
    }
  }
  // Two targets vs the baseline (kernel), two metrics, two configurations.
  EXPECT_EQ(session.comparisons.size(), 8u);
  for (const auto& c : session.comparisons) EXPECT_FALSE(c.resolution.has_value());
  EXPECT_EQ(observer.events.front(), "config 0");
  EXPECT_EQ(observer.events[10], "done 0 with 4 comparisons");
  EXPECT_EQ(observer.events.back(), "done 1 with 8 comparisons");
}

TEST(BenchRunLoop, AutoRunsReverseEveryOtherRoundAndStopWhenResolved) {
  const auto o =
      options({"-w", "1", "-r", "1", "-t", "kernel,legacy", "--runs", "auto", "--ci-target", "5"});
  FakeSource source({{"kernel", 1000}, {"legacy", 2000}});  // the same ratio every round
  RecordingObserver observer;
  SessionResults session;
  ASSERT_EQ(run_plan(o, make_plan(o), source, observer, session, stderr), 0);
  EXPECT_EQ(source.calls, (std::vector<std::string>{"kernel/1", "legacy/1", "legacy/2", "kernel/2",
                                                    "kernel/3", "legacy/3"}));
  ASSERT_EQ(session.comparisons.size(), 2u);
  for (const auto& c : session.comparisons) {
    ASSERT_TRUE(c.resolution.has_value());
    EXPECT_EQ(c.resolution->rounds, pipe_bench::kAutoMinRounds);
  }
  EXPECT_TRUE(session.comparisons.front().resolution->resolved);
  EXPECT_DOUBLE_EQ(session.comparisons.front().estimate.ratio, 2.0);
}

TEST(BenchRunLoop, AutoRunsGoOnWhileTheComparisonIsNotResolved) {
  const auto o =
      options({"-w", "1", "-r", "1", "-t", "kernel,legacy", "--runs", "auto", "--ci-target", "5"});
  // Odd rounds add 400 writes to both targets: the ratio alternates 1.71 and 2, and its CI
  // narrows round by round.
  FakeSource noisy({{"kernel", 1000}, {"legacy", 2000}}, 400);
  RecordingObserver observer;
  SessionResults session;
  ASSERT_EQ(run_plan(o, make_plan(o), noisy, observer, session, stderr), 0);
  const unsigned rounds = session.comparisons.front().resolution->rounds;
  EXPECT_GT(rounds, pipe_bench::kAutoMinRounds);
  EXPECT_TRUE(session.comparisons.front().resolution->resolved);
  EXPECT_EQ(session.results.front().series.front().runs.size(), rounds);
  EXPECT_EQ(noisy.calls.size(), 2u * rounds);
}

TEST(BenchRunLoop, AFailedRunStopsTheLoopWithItsExitCode) {
  const auto o = options({"-w", "1", "-r", "1", "-t", "kernel,legacy", "--runs", "3"});
  FakeSource source({{"kernel", 100}, {"legacy", 200}});
  source.fail_target = "legacy";
  RecordingObserver observer;
  SessionResults session;
  const std::string err = bench_test::captured(
      [&](std::FILE* f) { EXPECT_EQ(run_plan(o, make_plan(o), source, observer, session, f), 1); });
  EXPECT_EQ(err, "pipe_bench: fake failure\n");
  EXPECT_EQ(source.calls, (std::vector<std::string>{"kernel/1", "legacy/1"}));
  EXPECT_TRUE(session.results.empty());
}

}  // namespace
