// pipe_bench --plot: the gnuplot script's layout (a panel per readers value for a sweep, lines
// against the cost for an --alloc-cost list), and real PNG / SVG files from gnuplot.
#include <gtest/gtest.h>

#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/exec_path.hpp"
#include "pipe_bench/plot.hpp"

namespace {

using namespace pipe_bench;

std::vector<ConfigResults> sweep() {
  // writers {1,2,5} x readers {1,5,10}, 2 targets, 2 runs.
  std::vector<ConfigResults> out;
  std::size_t i = 0;
  for (unsigned w : {1u, 2u, 5u}) {
    for (unsigned r : {1u, 5u, 10u}) {
      auto one = bench_test::make_session({"kernel", "unified"}, 1, 2).front();
      one.config = {i++, w, r, 0};
      out.push_back(std::move(one));
    }
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(BenchPlot, SweepHasOnePanelPerReadersValue) {
  const auto results = sweep();
  PlotRequest request{"/tmp/x.png", "title", &results};
  const std::string script = plot_script(request);
  EXPECT_NE(script.find("set multiplot layout 1,3"), std::string::npos) << script;
  EXPECT_EQ(count(script, "\nplot "), 3u);
  for (const char* title : {"\"1 reader\"", "\"5 readers\"", "\"10 readers\""}) {
    EXPECT_NE(script.find(title), std::string::npos) << title;
  }
  EXPECT_NE(script.find("histogram errorbars"), std::string::npos);
  EXPECT_NE(script.find("pngcairo"), std::string::npos);
  // Each panel's datablock has a row per writers value with median, min, max per target.
  EXPECT_NE(script.find("\"5\" "), std::string::npos);
}

TEST(BenchPlot, CostSweepDrawsWritesAgainstCost) {
  auto results = bench_test::make_session({"legacy", "unified"}, 3, 2);
  const std::uint64_t costs[] = {0, 1000, 16000};
  for (std::size_t i = 0; i < results.size(); ++i) {
    results[i].config.writers = 5;
    results[i].config.alloc_cost_ns = costs[i];
  }
  PlotRequest request{"/tmp/x.svg", "title", &results};
  const std::string script = plot_script(request);
  EXPECT_NE(script.find("yerrorlines"), std::string::npos) << script;
  EXPECT_NE(script.find("set terminal svg"), std::string::npos);
  EXPECT_EQ(count(script, "\nplot "), 1u);
  EXPECT_NE(script.find("\"16000\""), std::string::npos);
  EXPECT_NE(script.find("cost"), std::string::npos);
}

TEST(BenchPlot, GnuplotWritesPngAndSvg) {
  const auto gnuplot = find_executable("gnuplot");
  if (!gnuplot) GTEST_SKIP() << "gnuplot is not installed";
  const auto results = sweep();
  const std::string png = bench_test::temp_path("sweep.png");
  std::string error;
  ASSERT_TRUE(draw_plot(*gnuplot, {png, "pipe_bench test", &results}, error)) << error;
  const std::string bytes = bench_test::read_file(png);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const std::string svg = bench_test::temp_path("sweep.svg");
  ASSERT_TRUE(draw_plot(*gnuplot, {svg, "pipe_bench test", &results}, error)) << error;
  EXPECT_NE(bench_test::read_file(svg).find("<svg"), std::string::npos);
}

TEST(BenchPlot, GnuplotFailureIsReported) {
  const auto results = sweep();
  std::string error;
  EXPECT_FALSE(draw_plot("/bin/false", {bench_test::temp_path("x.png"), "t", &results}, error));
  EXPECT_NE(error.find("--plot"), std::string::npos) << error;
}

}  // namespace
