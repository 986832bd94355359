// pipe_bench's context names the shrinker's pressure source whenever a shrinker target runs (it
// starts pipepool's pressure monitor for it), in the text context lines and the JSON context; it
// is null when no shrinker target runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/report.hpp"

namespace {

using namespace pipe_bench;
using bench_test::run_pipe_bench;

TEST(BenchShrinkerContext, JsonAndTextCarryTheSource) {
  RunContext ctx;
  EXPECT_TRUE(context_json(ctx)["shrinker_pressure_source"].is_null());
  EXPECT_EQ(format_shrinker_pressure(ctx), "");
  ctx.shrinker_pressure_source = "psi";
  ctx.shrinker_memory_events_note = "/sys/fs/cgroup/memory.events: No such file or directory";
  const auto json = context_json(ctx);
  EXPECT_EQ(json["shrinker_pressure_source"], "psi");
  EXPECT_EQ(json["shrinker_memory_events_note"], ctx.shrinker_memory_events_note);
  EXPECT_EQ(format_shrinker_pressure(ctx),
            "shrinker pressure source: psi (monitor started for the shrinker target; "
            "memory.events not watched: /sys/fs/cgroup/memory.events: No such file or "
            "directory)\n");
}

TEST(BenchShrinkerContext, ShrinkerRunReportsTheActiveSource) {
  const std::string json = bench_test::temp_path("shrinker.json");
  const auto r =
      run_pipe_bench({"-w", "1", "-r", "1", "-d", "0.05", "-t", "legacy,shrinker", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  ASSERT_TRUE(doc["context"]["shrinker_pressure_source"].is_string()) << doc["context"];
  const std::string source = doc["context"]["shrinker_pressure_source"];
  EXPECT_FALSE(source.empty());
  EXPECT_NE(source, "off");  // the monitor was started
  EXPECT_NE(r.out.find("shrinker pressure source: " + source + " (monitor started"),
            std::string::npos)
      << r.out;
}

TEST(BenchShrinkerContext, NoShrinkerTargetNoSource) {
  const std::string json = bench_test::temp_path("legacy.json");
  const auto r =
      run_pipe_bench({"-w", "1", "-r", "1", "-d", "0.05", "-t", "legacy", "--json", json});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(bench_test::read_file(json));
  EXPECT_TRUE(doc["context"]["shrinker_pressure_source"].is_null());
  EXPECT_EQ(r.out.find("shrinker pressure source"), std::string::npos) << r.out;
}

}  // namespace
