// Every reporter (text as the loop goes, the closing text with --summary, JSON, CSV, plot script)
// serves a session from any source, and results that were not measured say so in each of them:
// simulated ones with their CPUs, seeds and cost source, replayed ones with their recording.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench_fake_source.hpp"
#include "bench_options_support.hpp"
#include "pipe_bench/csv_report.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/plot.hpp"
#include "pipe_bench/text_report.hpp"

namespace {

using bench_test::FakeSource;
using pipe_bench::SessionResults;

struct Reports {
  std::string text;  // as the loop goes, then the closing text
  nlohmann::json json;
  std::string csv;
  std::string plot;
};

Reports run_and_report(FakeSource& source, std::initializer_list<const char*> args,
                       const std::string& label = {}) {
  auto parsed = bench_test::parse(args);
  EXPECT_TRUE(parsed.options.has_value()) << parsed.output;
  const pipe_bench::Options& o = *parsed.options;
  const auto plan = make_plan(o);
  SessionResults session;
  Reports out;
  out.text = bench_test::captured([&](std::FILE* f) {
    pipe_bench::TextReporter text(o, plan.size(), f, label);
    EXPECT_EQ(run_plan(o, plan, source, text, session, stderr), 0);
    std::fputs(format_closing(o, session, pipe_bench::RunContext{}).c_str(), f);
  });
  out.json = nlohmann::json::parse(
      pipe_bench::session_json({}, session.results, session.comparisons, o.baselines).dump());
  out.csv = pipe_bench::to_csv(session.results);
  pipe_bench::PlotRequest plot;
  plot.path = "x.svg";
  plot.results = &session.results;
  out.plot = plot_script(plot);
  return out;
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(BenchSourceReporters, EveryReporterServesThreeFixedRuns) {
  FakeSource source({{"kernel", 1000}, {"legacy", 2000}});
  const Reports r = run_and_report(
      source, {"-w", "1,2", "-r", "1", "-t", "kernel,legacy", "--runs", "3", "--summary"});
  EXPECT_NE(r.text.find("median of 3 runs"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("legacy vs kernel: +100.0% throughput"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("(configuration 2 of 2)"), std::string::npos) << r.text;
  ASSERT_EQ(r.json["results"].size(), 4u);
  EXPECT_EQ(r.json["results"][1]["runs"].size(), 3u);
  EXPECT_DOUBLE_EQ(r.json["results"][1]["median"]["writes_per_s"].get<double>(), 1000.0);
  EXPECT_EQ(r.json["comparisons"].size(), 4u);
  EXPECT_FALSE(r.json.contains("simulated"));
  EXPECT_FALSE(r.json.contains("replayed"));
  EXPECT_EQ(lines(r.csv), 1u + 2 * 2 * 3);  // header, 2 configurations x 2 targets x 3 runs
  EXPECT_EQ(r.csv.substr(0, r.csv.find('\n')) + "\n", pipe_bench::csv_header());
  EXPECT_NE(r.plot.find("legacy"), std::string::npos);
}

TEST(BenchSourceReporters, AutoRunsReportTheirResolution) {
  FakeSource source({{"kernel", 1000}, {"legacy", 2000}});
  const Reports r = run_and_report(source, {"-w", "1", "-r", "1", "-t", "kernel,legacy", "--runs",
                                            "auto", "--ci-target", "5", "--summary"});
  EXPECT_NE(r.text.find("resolved"), std::string::npos) << r.text;
  ASSERT_EQ(r.json["comparisons"].size(), 2u);
  EXPECT_EQ(r.json["comparisons"][0]["resolved"], true);
  EXPECT_EQ(r.json["comparisons"][0]["rounds"], 3);
  EXPECT_EQ(lines(r.csv), 1u + 2 * 3);
}

TEST(BenchSourceReporters, SimulatedResultsSaySoInEveryOutput) {
  FakeSource source({{"legacy", 1000}, {"unified", 1100}});
  source.simulated = true;
  const Reports r = run_and_report(
      source, {"-w", "2", "-r", "2", "-t", "legacy,unified", "--runs", "3", "--summary"},
      "simulated");
  EXPECT_NE(r.text.find("(configuration 1 of 1, simulated)"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("SIMULATED on 52 CPUs (engine X), seeds 7..9, costs: costs file F"),
            std::string::npos)
      << r.text;
  EXPECT_EQ(r.json["simulated"], true);
  const auto& sim = r.json["simulation"];
  EXPECT_EQ(sim["cpus"], 52);
  EXPECT_EQ(sim["seed"], 7);
  EXPECT_EQ(sim["seeds"], nlohmann::json::array({7, 8, 9}));
  EXPECT_EQ(sim["cost_source"], "costs file F");
  EXPECT_EQ(sim["costs_ns"]["syscall"], 230);
  for (const auto& result : r.json["results"]) {
    EXPECT_EQ(result["simulated"], true);
    EXPECT_EQ(result["runs"][2]["seed"], 9);
  }
  EXPECT_NE(r.csv.find(",source,sim_cpus,sim_seed,sim_cost_source,"), std::string::npos);
  EXPECT_NE(r.csv.find(",simulated,52,8,costs file F,,\n"), std::string::npos) << r.csv;
}

TEST(BenchSourceReporters, ReplayedResultsSaySoInEveryOutput) {
  FakeSource source({{"legacy", 1000}, {"unified", 1100}});
  source.replayed = true;
  const Reports r = run_and_report(
      source, {"-w", "1", "-r", "1", "-t", "legacy,unified", "--summary"}, "replayed");
  EXPECT_NE(r.text.find("(configuration 1 of 1, replayed)"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("REPLAYED from t.ppr (recorder strace)"), std::string::npos) << r.text;
  EXPECT_EQ(r.json["replayed"], true);
  EXPECT_EQ(r.json["replay"]["recording"], "t.ppr");
  EXPECT_EQ(r.json["replay"]["calls"], 55);
  EXPECT_EQ(r.json["results"][0]["replayed"], true);
  EXPECT_NE(r.csv.find(",replayed,,,,t.ppr,strace\n"), std::string::npos) << r.csv;
}

}  // namespace
