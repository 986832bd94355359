// The pipe_bench binary end to end: the comparison command (runs, medians, comparisons
// with ci95 in JSON; one CSV row per run; a PNG), a small sweep, --verify, and one-line exit-2
// errors for bad input with nothing run.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_test_support.hpp"

namespace {

using bench_test::run_pipe_bench;

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(BenchCli, ComparisonRunWritesJsonCsvAndPlot) {
  const std::string json = bench_test::temp_path("r.json");
  const std::string dir = json.substr(0, json.rfind('/'));
  const std::string csv = dir + "/r.csv", png = dir + "/r.png";
  // Runs of 0.3 s: a 0.1 s run under TSan on a loaded machine ended with no write at all, and a
  // ratio to zero writes/s is not reported.
  const auto r = run_pipe_bench({"-w", "2", "-r", "2", "-d", "0.3", "--runs", "3", "-t",
                                 "legacy,unified,kernel", "--summary", "--json", json, "--csv", csv,
                                 "--plot", png});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("median of 3 runs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unified vs legacy: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel vs legacy: "), std::string::npos) << r.out;

  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_EQ(doc["ci_method"], "student_t_paired_log_ratio");
  ASSERT_EQ(doc["results"].size(), 3u);
  for (const auto& res : doc["results"]) {
    EXPECT_EQ(res["runs"].size(), 3u);
    EXPECT_TRUE(res["median"]["writes_per_s"].is_number());
    EXPECT_GT(res["median"]["writes"].get<double>(), 0);
  }
  ASSERT_EQ(doc["comparisons"].size(), 4u);  // unified, kernel x writes/s, avg latency
  for (const auto& c : doc["comparisons"]) {
    EXPECT_EQ(c["baseline"], "legacy");
    ASSERT_EQ(c["ci95"].size(), 2u);
    EXPECT_LE(c["ci95"][0].get<double>(), c["ratio"].get<double>());
    EXPECT_LE(c["ratio"].get<double>(), c["ci95"][1].get<double>());
  }
  EXPECT_EQ(lines(bench_test::read_file(csv)), 1u + 9u);
  EXPECT_EQ(bench_test::read_file(png).substr(1, 3), "PNG");
}

TEST(BenchCli, SweepRunsEveryConfiguration) {
  const std::string json = bench_test::temp_path("s.json");
  const auto r = run_pipe_bench(
      {"-w", "1,2", "-r", "1,3", "-d", "0.05", "-t", "kernel,memcpy", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("configuration 4 of 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("writes/s per configuration"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  ASSERT_EQ(doc["results"].size(), 8u);
  EXPECT_EQ(doc["results"][7]["config"]["writers"], 2);
  EXPECT_EQ(doc["results"][7]["config"]["readers"], 3);
  // No progress line: stderr is not a terminal here.
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(BenchCli, AllocCostSweepRecordsTheCost) {
  const std::string json = bench_test::temp_path("c.json");
  const auto r = run_pipe_bench({"-w", "1", "-r", "1", "-d", "0.05", "-t", "unified", "-a", "model",
                                 "--alloc-cost", "0,500", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["results"][0]["config"]["alloc_cost_ns"], 0);
  EXPECT_EQ(doc["results"][1]["config"]["alloc_cost_ns"], 500);
  EXPECT_EQ(doc["results"][1]["config"]["allocator"], "model");
}

TEST(BenchCli, ModelPresetIsNamedInEveryReport) {
  const std::string json = bench_test::temp_path("p.json");
  const std::string csv = json.substr(0, json.rfind('/')) + "/p.csv";
  const auto r = run_pipe_bench({"-w", "1", "-r", "1", "-d", "0.05", "-t", "unified", "-a", "model",
                                 "--model-preset", "kernel-reclaim", "--free-cost", "300", "--json",
                                 json, "--csv", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("allocator model (preset kernel-reclaim: alloc "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(", free 300 ns"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_EQ(doc["context"]["model_preset"]["name"], "kernel-reclaim");
  EXPECT_EQ(doc["context"]["model_preset"]["origin"], "built-in");
  EXPECT_TRUE(doc["context"]["model_preset"]["source"].is_object());
  const auto& config = doc["results"][0]["config"];
  EXPECT_EQ(config["model_preset"], "kernel-reclaim");
  EXPECT_EQ(config["free_cost_ns"], 300);  // --free-cost overrides the preset
  EXPECT_EQ(config["alloc_cost_ns"], doc["context"]["model_preset"]["alloc_cost_ns"]);
  EXPECT_EQ(config["reclaim_stall_probability"],
            doc["context"]["model_preset"]["reclaim_stall_probability"]);
  EXPECT_EQ(config["reclaim_stall_ns"], doc["context"]["model_preset"]["reclaim_stall_ns"]);
  const std::string rows = bench_test::read_file(csv);
  EXPECT_NE(rows.find(",kernel-reclaim,"), std::string::npos) << rows;
}

TEST(BenchCli, OpenLoopNeverRunsAheadOfItsSchedule) {
  const std::string json = bench_test::temp_path("rate.json");
  const auto r = run_pipe_bench(
      {"-w", "2", "-r", "1", "-d", "0.3", "-t", "kernel", "--rate", "100", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  const auto& run = doc["results"][0]["runs"][0];
  const double elapsed = run["elapsed_s"];
  const double writes = run["metrics"]["writes"];
  // Write k of a writer is sent no earlier than k / rate after the start.
  EXPECT_LE(writes, 2 * (100 * elapsed + 1));
  EXPECT_GT(writes, 0);
  EXPECT_EQ(doc["results"][0]["config"]["rate"], 100.0);
}

TEST(BenchCli, VerifyPassesOnACleanRun) {
  const auto r = run_pipe_bench(
      {"-w", "2", "-r", "2", "-d", "0.1", "-t", "kernel,unified,memcpy", "--verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 lost, 0 duplicated, 0 corrupted"), std::string::npos) << r.out;
}

// Bad input: exit 2, one line on stderr naming the flag, and nothing run (no output at all).
void expect_bad_input(const std::vector<std::string>& args, const std::string& flag) {
  const auto r = run_pipe_bench(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(BenchCli, BadInputIsOneLineAndExit2) {
  expect_bad_input({"-t", "kernel,nosuch"}, "--target");
  expect_bad_input({"-s", "0"}, "--msg-size");
  expect_bad_input({"-d", "-1"}, "--duration");
  expect_bad_input({"--duration=-0.5"}, "--duration");
  expect_bad_input({"--json", "/nonexistent-dir-for-pipe-bench/r.json"}, "--json");
  expect_bad_input({"--runs", "0"}, "--runs");
}

}  // namespace
