// pipe_bench --runs auto end to end: a short real run that ends, alternates the target order by
// round, and reports each comparison as resolved or not (structure only: whether it resolves
// depends on the machine).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_test_support.hpp"

namespace {

using bench_test::run_pipe_bench;

// The targets of the per-run rows of stdout, in the order they ran.
std::vector<std::string> row_targets(const std::string& out) {
  std::vector<std::string> targets;
  std::istringstream in(out);
  std::string line;
  bool rows = false;
  while (std::getline(in, line)) {
    if (line.rfind("target", 0) == 0 && line.find(" run ") != std::string::npos) {
      rows = true;
      continue;
    }
    if (line.empty()) {
      rows = false;
      continue;
    }
    if (rows) targets.push_back(line.substr(0, line.find(' ')));
  }
  return targets;
}

TEST(BenchResolveCli, AutoRunsEndAndReportEachComparison) {
  const std::string json = bench_test::temp_path("auto.json");
  const std::string csv = json.substr(0, json.rfind('/')) + "/auto.csv";
  const auto r =
      run_pipe_bench({"-w",         "2",   "-r",        "2",      "-t",   "legacy,unified", "-a",
                      "model",      "-d",  "0.2",       "--runs", "auto", "--ci-target",    "50",
                      "--max-time", "10s", "--summary", "--json", json,   "--csv",          csv});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("until every writes/s comparison's 95% CI is within +-50%"),
            std::string::npos)
      << r.out;

  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_EQ(doc["options"]["runs"], "auto");
  EXPECT_EQ(doc["options"]["ci_target_pct"], 50);
  EXPECT_EQ(doc["options"]["max_time_s"], 10);
  ASSERT_EQ(doc["results"].size(), 2u);
  const std::size_t rounds = doc["results"][0]["runs"].size();
  EXPECT_GE(rounds, 3u);
  EXPECT_LE(rounds, 1000u);
  EXPECT_EQ(doc["results"][1]["runs"].size(), rounds);
  EXPECT_EQ(doc["results"][0]["config"]["runs"], rounds);

  ASSERT_EQ(doc["comparisons"].size(), 2u);  // unified vs legacy: writes/s, avg latency
  const auto& cmp = doc["comparisons"][0];
  EXPECT_EQ(cmp["metric"], "writes_per_s");
  EXPECT_EQ(cmp["rounds"], rounds);
  EXPECT_EQ(cmp["runs"], rounds);
  ASSERT_TRUE(cmp["half_width_pct"].is_number());
  const double hw = cmp["half_width_pct"].get<double>();
  const bool resolved = cmp["resolved"].get<bool>();
  EXPECT_EQ(resolved, hw <= 50);
  const std::string reason = cmp["stop_reason"];
  if (resolved) {
    EXPECT_EQ(reason, "resolved");
  } else {
    EXPECT_EQ(reason, rounds >= 1000 ? "round_cap" : "time_limit");
  }
  EXPECT_TRUE(doc["comparisons"][1]["resolved"].is_boolean());

  // One CSV row per run; the stdout rows alternate the order by round.
  std::size_t csv_lines = 0;
  for (const char ch : bench_test::read_file(csv)) csv_lines += ch == '\n' ? 1 : 0;
  EXPECT_EQ(csv_lines, 1 + 2 * rounds);
  const auto order = row_targets(r.out);
  ASSERT_EQ(order.size(), 2 * rounds) << r.out;
  for (std::size_t i = 0; i < rounds; ++i) {
    const bool forward = i % 2 == 0;
    EXPECT_EQ(order[2 * i], forward ? "legacy" : "unified") << "round " << i + 1;
    EXPECT_EQ(order[2 * i + 1], forward ? "unified" : "legacy") << "round " << i + 1;
  }

  // The table marks the comparison; the closing block and the summary list it when unresolved.
  EXPECT_NE(r.out.find(resolved ? "  resolved +-" : "  NOT resolved +-"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(resolved ? "): 1 of 1 resolved" : "): 0 of 1 resolved"), std::string::npos)
      << r.out;
  const std::string unresolved = "not resolved: unified / legacy at 2w/2r: +-";
  const auto first = r.out.find(unresolved);
  if (resolved) {
    EXPECT_EQ(first, std::string::npos) << r.out;
  } else {
    ASSERT_NE(first, std::string::npos) << r.out;
    EXPECT_NE(r.out.find(unresolved, first + 1), std::string::npos) << "summary: " << r.out;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress line: stderr is not a terminal
}

TEST(BenchResolveCli, BadAutoFlagsAreOneLineAndNothingRuns) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-w", "1", "-r", "1", "--ci-target", "5"},
           {"-w", "1", "-r", "1", "--runs", "auto", "--max-time", "1s"},
           {"-w", "1", "-r", "1", "--runs", "auto", "--ci-target", "100"}}) {
    const auto r = run_pipe_bench(args);
    EXPECT_EQ(r.exit_code, 2) << args[4];
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("pipe_bench: " + args[args.size() - 2] + ":", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
