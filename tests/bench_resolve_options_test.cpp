// --runs auto, --ci-target and --max-time: defaults, durations, and one-line exit-2 errors.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "bench_options_support.hpp"
#include "pipe_bench/duration_text.hpp"
#include "pipe_bench/options.hpp"

namespace {

using namespace pipe_bench;

using bench_test::parse;

void expect_error(std::initializer_list<const char*> args, const std::string& flag) {
  const ParseOutcome out = parse(args);
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.output.rfind("pipe_bench: " + flag + ":", 0), 0u) << out.output;
  EXPECT_EQ(out.output.find('\n'), std::string::npos) << out.output;
}

TEST(BenchResolveOptions, FixedRunsByDefault) {
  const ParseOutcome out = parse({"--runs", "4"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_FALSE(out.options->runs_auto);
  EXPECT_EQ(out.options->runs, 4u);
}

TEST(BenchResolveOptions, AutoDefaults) {
  const ParseOutcome out = parse({"--runs", "auto"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  const Options& o = *out.options;
  EXPECT_TRUE(o.runs_auto);
  EXPECT_EQ(o.runs, 3u);  // the minimum rounds
  EXPECT_DOUBLE_EQ(o.ci_target_pct, 5.0);
  EXPECT_DOUBLE_EQ(o.max_time_s, 600.0);
}

TEST(BenchResolveOptions, AutoWithTargetAndTime) {
  const ParseOutcome out =
      parse({"-w", "5", "-r", "5", "--runs", "auto", "--ci-target", "2.5", "--max-time", "1.5h"});
  ASSERT_TRUE(out.options.has_value()) << out.output;
  EXPECT_DOUBLE_EQ(out.options->ci_target_pct, 2.5);
  EXPECT_DOUBLE_EQ(out.options->max_time_s, 5400.0);
  const ParseOutcome pct = parse({"--runs", "auto", "--ci-target", "10%"});
  ASSERT_TRUE(pct.options.has_value()) << pct.output;
  EXPECT_DOUBLE_EQ(pct.options->ci_target_pct, 10.0);
}

TEST(BenchResolveOptions, Durations) {
  EXPECT_EQ(parse_duration_s("90s"), 90.0);
  EXPECT_EQ(parse_duration_s("10m"), 600.0);
  EXPECT_EQ(parse_duration_s("1h"), 3600.0);
  EXPECT_EQ(parse_duration_s("0.5m"), 30.0);
  EXPECT_EQ(parse_duration_s("600"), 600.0);
  for (const char* bad :
       {"", "m", "10x", "10 m", "-5m", "+5m", "1e3", "inf", "10mm", "1h30m", "10M"}) {
    EXPECT_FALSE(parse_duration_s(bad).has_value()) << bad;
  }
}

TEST(BenchResolveOptions, BadValuesNameTheirFlag) {
  expect_error({"--runs", "Auto"}, "--runs");
  expect_error({"--ci-target", "5"}, "--ci-target");  // needs --runs auto
  expect_error({"--runs", "3", "--max-time", "10m"}, "--max-time");
  expect_error({"--runs", "auto", "--ci-target", "0"}, "--ci-target");
  expect_error({"--runs", "auto", "--ci-target", "100"}, "--ci-target");
  expect_error({"--runs", "auto", "--ci-target", "-1"}, "--ci-target");
  expect_error({"--runs", "auto", "--ci-target", "five"}, "--ci-target");
  expect_error({"--runs", "auto", "--max-time", "10x"}, "--max-time");
  expect_error({"--runs", "auto", "--max-time", "0"}, "--max-time");
  expect_error({"--runs", "auto", "--max-time", "-10m"}, "--max-time");
  expect_error({"--runs", "auto", "--max-time", "200h"}, "--max-time");
}

TEST(BenchResolveOptions, MaxTimeMustHoldTheMinimumRounds) {
  // 1 configuration x 3 rounds x 2 targets x 3 s = 18 s.
  expect_error(
      {"-w", "5", "-r", "5", "-t", "legacy,unified", "--runs", "auto", "--max-time", "17s"},
      "--max-time");
  EXPECT_TRUE(
      parse({"-w", "5", "-r", "5", "-t", "legacy,unified", "--runs", "auto", "--max-time", "18s"})
          .options.has_value());
  // The default 10 minutes does not hold the sweep's 9 configurations x 3 x 4 targets x 10 s.
  const ParseOutcome out = parse({"-d", "10", "--runs", "auto"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.output.rfind("pipe_bench: --max-time:", 0), 0u) << out.output;
  EXPECT_NE(out.output.find("1080 s"), std::string::npos) << out.output;
}

TEST(BenchResolveOptions, HelpDocumentsTheFlagsAndTheRule) {
  const ParseOutcome out = parse({"--help"});
  EXPECT_EQ(out.exit_code, 0);
  for (const char* text : {"--ci-target", "--max-time", "N|auto", "--runs auto",
                           "max(hi/ratio - 1, 1 - lo/ratio)", "not resolved"}) {
    EXPECT_NE(out.output.find(text), std::string::npos) << text;
  }
}

}  // namespace
