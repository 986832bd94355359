// `pipe_bench --simulate` goes through the measured runs' loop and reporters: --runs N and
// --runs auto run over seeds (run k uses seed + k - 1), --csv, --summary and --json say the
// results are simulated, and the same command gives the same numbers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_test_support.hpp"

namespace {

using bench_test::run_pipe_bench;

// The JSON without what names the moment and the machine.
nlohmann::json without_context(nlohmann::json doc) {
  doc.erase("context");
  return doc;
}

TEST(SimRunsCli, RunsOverSeedsWithEveryReporter) {
  const std::string json_path = bench_test::temp_path("s.json");
  const std::string csv_path = bench_test::temp_path("s.csv");
  const auto r = run_pipe_bench(
      {"--simulate", "--cpus",         "2",      "-w", "2",      "-r", "2",      "-d",      "0.002",
       "-t",         "legacy,unified", "--seed", "4",  "--runs", "3",  "--json", json_path, "--csv",
       csv_path,     "--summary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("seed 4 (run k uses seed 4 + k - 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(configuration 1 of 1, simulated)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("median of 3 runs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unified vs legacy: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SIMULATED on 2 CPUs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seeds 4..6"), std::string::npos) << r.out;

  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  EXPECT_EQ(doc.at("simulated"), true);
  EXPECT_EQ(doc.at("simulation").at("seeds"), nlohmann::json::array({4, 5, 6}));
  EXPECT_EQ(doc.at("options").at("runs"), 3);
  ASSERT_EQ(doc.at("results").size(), 2u);
  for (const auto& result : doc.at("results")) {
    EXPECT_EQ(result.at("simulated"), true);
    ASSERT_EQ(result.at("runs").size(), 3u);
    EXPECT_EQ(result.at("runs")[0].at("seed"), 4);
    EXPECT_EQ(result.at("runs")[2].at("seed"), 6);
  }
  EXPECT_EQ(doc.at("comparisons").size(), 2u);  // unified vs legacy: writes/s and latency

  const std::string csv = bench_test::read_file(csv_path);
  EXPECT_NE(csv.find(",source,sim_cpus,sim_seed,sim_cost_source,"), std::string::npos);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 3) << csv;
  EXPECT_NE(csv.find(",simulated,2,5,\"built-in defaults"), std::string::npos) << csv;
}

TEST(SimRunsCli, TheSameCommandGivesTheSameJson) {
  const std::string a = bench_test::temp_path("a.json");
  const std::string b = bench_test::temp_path("b.json");
  for (const auto& path : {a, b}) {
    const auto r = run_pipe_bench({"--simulate", "-w", "2", "-r", "1", "-d", "0.002", "-t",
                                   "legacy,shrinker", "--runs", "2", "--json", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto ja = nlohmann::json::parse(bench_test::read_file(a));
  const auto jb = nlohmann::json::parse(bench_test::read_file(b));
  EXPECT_EQ(without_context(ja), without_context(jb));
  EXPECT_GT(ja.at("results")[0].at("median").at("writes").get<double>(), 0);
}

TEST(SimRunsCli, AutoRunsResolveOverSeeds) {
  const std::string json_path = bench_test::temp_path("auto.json");
  const auto r =
      run_pipe_bench({"--simulate", "-w", "2", "-r", "2", "-d", "0.002", "-t", "legacy,unified",
                      "--runs", "auto", "--ci-target", "5", "--json", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json_path));
  EXPECT_EQ(doc.at("options").at("runs"), "auto");
  const auto& c = doc.at("comparisons").at(0);
  EXPECT_EQ(c.at("resolved"), true);
  const auto rounds = c.at("rounds").get<std::size_t>();
  EXPECT_GE(rounds, 3u);
  EXPECT_EQ(doc.at("simulation").at("seeds").size(), rounds);
}

TEST(SimRunsCli, FlagsForMeasuredRunsOnlyAreStillRefused) {
  for (const auto& flag :
       std::vector<std::vector<std::string>>{{"--rate", "100"}, {"--verify"}, {"-a", "model"}}) {
    std::vector<std::string> args{"--simulate"};
    args.insert(args.end(), flag.begin(), flag.end());
    const auto r = run_pipe_bench(args);
    EXPECT_EQ(r.exit_code, 2) << flag.front();
    EXPECT_NE(r.err.find(flag.front()), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
