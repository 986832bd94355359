// pipe_bench --copy (the pipepool targets' copy mode) and -s as a comma list (the plan's size
// dimension).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "bench_options_support.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/session.hpp"

namespace {

using pipe_bench::ParseOutcome;

using bench_test::expect_error;
using bench_test::parse;

TEST(BenchCopySizes, CopyDefaultsToParallel) {
  const ParseOutcome out = parse({});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_EQ(out.options->copy, pipepool::CopyMode::parallel);
}

TEST(BenchCopySizes, CopyTakesKernelOrParallel) {
  const ParseOutcome k = parse({"--copy", "kernel"});
  ASSERT_TRUE(k.options) << k.output;
  EXPECT_EQ(k.options->copy, pipepool::CopyMode::kernel);
  const ParseOutcome p = parse({"--copy", "parallel"});
  ASSERT_TRUE(p.options) << p.output;
  EXPECT_EQ(p.options->copy, pipepool::CopyMode::parallel);
  expect_error({"--copy", "fast"}, "--copy");
  expect_error({"--copy", ""}, "--copy");
}

TEST(BenchCopySizes, SizeListSweepsTheSize) {
  const ParseOutcome out = parse({"-w", "1,2", "-r", "1", "-s", "64,4K,64K"});
  ASSERT_TRUE(out.options) << out.output;
  const auto& o = *out.options;
  EXPECT_EQ(o.msg_sizes, (std::vector<std::size_t>{64, 4096, 65536}));
  EXPECT_EQ(o.msg_size, 64u);
  const auto plan = pipe_bench::make_plan(o);
  ASSERT_EQ(plan.size(), 6u);
  // Size outside, then writers: 64 x {1,2}, 4K x {1,2}, 64K x {1,2}.
  EXPECT_EQ(plan[0].msg_size, 64u);
  EXPECT_EQ(plan[1].msg_size, 64u);
  EXPECT_EQ(plan[1].writers, 2u);
  EXPECT_EQ(plan[2].msg_size, 4096u);
  EXPECT_EQ(plan[5].msg_size, 65536u);
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].index, i);
  EXPECT_NE(pipe_bench::format_config_header(plan[2], plan.size(), false, 4096).find("msg 4 KiB"),
            std::string::npos);
}

TEST(BenchCopySizes, OneSizeKeepsOneConfiguration) {
  const ParseOutcome out = parse({"-w", "1", "-r", "1", "-s", "4K"});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_EQ(out.options->msg_sizes, (std::vector<std::size_t>{4096}));
  EXPECT_EQ(pipe_bench::make_plan(*out.options).size(), 1u);
}

TEST(BenchCopySizes, BadSizeListsNameTheFlag) {
  expect_error({"-s", "64,,4K"}, "--msg-size");
  expect_error({"-s", "64,0"}, "--msg-size");
  expect_error({"-s", "4K,4096"}, "--msg-size");  // the same size twice
  expect_error({"-s", "64,x"}, "--msg-size");
}

}  // namespace
