// pipe_bench's --legacy-cache, --pool-keep and --pool-max: parsed into Options::pool_sizes,
// bad values refused with one line naming the flag, listed in --help, recorded in the JSON context.
#include <gtest/gtest.h>

#include "bench_options_support.hpp"
#include "pipe_bench/json_report.hpp"

namespace {

using bench_test::expect_error;
using bench_test::parse;

TEST(BenchPoolSizeFlags, DefaultsAreTheKernels) {
  const auto out = parse({});
  ASSERT_TRUE(out.options);
  EXPECT_EQ(out.options->pool_sizes, pipepool::PoolSizes{});
}

TEST(BenchPoolSizeFlags, ValuesAreParsed) {
  const auto out = parse({"--legacy-cache", "1", "--pool-keep", "4", "--pool-max", "16"});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_EQ(out.options->pool_sizes, (pipepool::PoolSizes{1, 4, 16}));
}

TEST(BenchPoolSizeFlags, BadValuesAreRefused) {
  expect_error({"--legacy-cache", "0"}, "--legacy-cache");
  expect_error({"--legacy-cache", "65"}, "--legacy-cache");
  expect_error({"--pool-keep", "0"}, "--pool-keep");
  expect_error({"--pool-max", "x"}, "--pool-max");
  expect_error({"--pool-max", "-1"}, "--pool-max");
  expect_error({"--pool-keep", "9"}, "--pool-keep");  // above the default max
  expect_error({"--pool-keep", "5", "--pool-max", "4"}, "--pool-keep");
}

TEST(BenchPoolSizeFlags, HelpListsThem) {
  const auto out = parse({"--help"});
  EXPECT_EQ(out.exit_code, 0);
  for (const char* flag : {"--legacy-cache", "--pool-keep", "--pool-max"}) {
    EXPECT_NE(out.output.find(flag), std::string::npos) << flag;
  }
}

TEST(BenchPoolSizeFlags, JsonContextRecordsThem) {
  pipe_bench::RunContext ctx;
  ctx.pool_sizes = {1, 4, 16};
  const auto json = pipe_bench::context_json(ctx);
  EXPECT_EQ(json["pool_sizes"]["legacy_cache"], 1);
  EXPECT_EQ(json["pool_sizes"]["keep"], 4);
  EXPECT_EQ(json["pool_sizes"]["max"], 16);
}

}  // namespace
