// pipe_bench --probe from the command line: prints the figures, writes the preset with
// --probe-out, and bad --probe-samples / --probe-out input is one line with exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"

namespace {

using bench_test::run_pipe_bench;

TEST(BenchProbeCli, ProbeWritesThePreset) {
  const std::string path = bench_test::temp_path("kernel.json");
  const auto r = run_pipe_bench({"--probe", "--probe-samples", "200", "--probe-out", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("copy per page"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("preset written to " + path), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("writes/s"), std::string::npos) << "the benchmark ran";
  const auto j = nlohmann::json::parse(bench_test::read_file(path));
  EXPECT_EQ(j["schema"], "pipepool-model-preset/1");
  EXPECT_EQ(j["name"], "kernel");
  EXPECT_GE(j["alloc_cost_ns"].get<double>(), 0);
  EXPECT_GE(j["free_cost_ns"].get<double>(), 0);
  EXPECT_EQ(j["source"]["samples"], 200);
}

void expect_bad_input(const std::vector<std::string>& args, const std::string& flag) {
  const auto r = run_pipe_bench(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(BenchProbeCli, BadInputIsOneLineAndExit2) {
  expect_bad_input({"--probe", "--probe-samples", "0"}, "--probe-samples");
  expect_bad_input({"--probe", "--probe-samples", "9"}, "--probe-samples");
  expect_bad_input({"--probe", "--probe-samples", "100001"}, "--probe-samples");
  expect_bad_input({"--probe", "--probe-samples", "1k"}, "--probe-samples");
  expect_bad_input({"--probe", "--probe-out", "/nonexistent-dir-for-pipe-bench/p.json"},
                   "--probe-out");
  expect_bad_input({"--probe-samples", "100"}, "--probe-samples");
  expect_bad_input({"--probe-out", bench_test::temp_path("p.json")}, "--probe-out");
}

}  // namespace
