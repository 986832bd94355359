// pipe_bench's model allocator flags: presets by name or file, --free-cost, --free-share, the
// precedence of explicit costs over the preset's, and one-line errors naming the flag.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "bench_options_support.hpp"
#include "pipe_bench/options.hpp"

namespace {

using pipe_bench::ParseOutcome;

using bench_test::parse;

void expect_error(std::initializer_list<const char*> args, const std::string& flag) {
  const ParseOutcome out = parse(args);
  EXPECT_FALSE(out.options.has_value());
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.output.rfind("pipe_bench: " + flag, 0), 0u) << out.output;
  EXPECT_EQ(out.output.find('\n'), std::string::npos) << out.output;
}

TEST(BenchModelOptions, NoPresetMeansZeroCosts) {
  const ParseOutcome out = parse({"-a", "model"});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_FALSE(out.options->model_preset.has_value());
  EXPECT_EQ(out.options->alloc_costs, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(out.options->model.free_cost_ns, 0u);
  EXPECT_EQ(out.options->model.reclaim_stall_probability, 0.0);
}

TEST(BenchModelOptions, PresetSetsEveryCost) {
  const ParseOutcome out = parse({"-a", "model", "--model-preset", "kernel-reclaim"});
  ASSERT_TRUE(out.options) << out.output;
  const auto& o = *out.options;
  ASSERT_TRUE(o.model_preset.has_value());
  EXPECT_EQ(o.model_preset->name, "kernel-reclaim");
  EXPECT_EQ(o.alloc_costs, (std::vector<std::uint64_t>{o.model_preset->alloc_cost_ns}));
  EXPECT_EQ(o.model.alloc_cost_ns, o.model_preset->alloc_cost_ns);
  EXPECT_EQ(o.model.free_cost_ns, o.model_preset->free_cost_ns);
  EXPECT_EQ(o.model.reclaim_stall_probability, o.model_preset->reclaim_stall_probability);
  EXPECT_EQ(o.model.reclaim_stall_ns, o.model_preset->reclaim_stall_ns);
}

TEST(BenchModelOptions, FreeShareResplitsThePresetSum) {
  const ParseOutcome base = parse({"-a", "model", "--model-preset", "kernel"});
  ASSERT_TRUE(base.options) << base.output;
  const std::uint64_t sum =
      base.options->model_preset->alloc_cost_ns + base.options->model_preset->free_cost_ns;
  for (const auto& [pct, free_ns] : std::vector<std::pair<const char*, std::uint64_t>>{
           {"0", 0}, {"50", static_cast<std::uint64_t>(std::llround(sum * 0.5))}, {"100", sum}}) {
    const ParseOutcome out =
        parse({"-a", "model", "--model-preset", "kernel", "--free-share", pct});
    ASSERT_TRUE(out.options) << out.output;
    EXPECT_EQ(out.options->model.free_cost_ns, free_ns) << pct;
    EXPECT_EQ(out.options->alloc_costs, (std::vector<std::uint64_t>{sum - free_ns})) << pct;
  }
}

TEST(BenchModelOptions, ExplicitCostsOverrideThePreset) {
  const ParseOutcome out = parse({"-a", "model", "--model-preset", "kernel-reclaim", "--free-share",
                                  "100", "--alloc-cost", "0,1000", "--free-cost", "77"});
  // --free-share with both explicit costs has no effect, hence an error; one of them is fine.
  EXPECT_FALSE(out.options.has_value());
  const ParseOutcome a = parse({"-a", "model", "--model-preset", "kernel-reclaim", "--free-share",
                                "100", "--alloc-cost", "0,1000"});
  ASSERT_TRUE(a.options) << a.output;
  const std::uint64_t sum =
      a.options->model_preset->alloc_cost_ns + a.options->model_preset->free_cost_ns;
  EXPECT_EQ(a.options->alloc_costs, (std::vector<std::uint64_t>{0, 1000}));
  EXPECT_EQ(a.options->model.free_cost_ns, sum);
  EXPECT_GT(a.options->model.reclaim_stall_probability, 0.0);  // the stall stays the preset's
  const ParseOutcome f = parse({"-a", "model", "--model-preset", "kernel", "--free-cost", "77"});
  ASSERT_TRUE(f.options) << f.output;
  EXPECT_EQ(f.options->model.free_cost_ns, 77u);
  EXPECT_EQ(f.options->alloc_costs,
            (std::vector<std::uint64_t>{f.options->model_preset->alloc_cost_ns}));
}

TEST(BenchModelOptions, FreeCostWithoutPreset) {
  const ParseOutcome out = parse({"-a", "model", "--free-cost", "300", "--alloc-cost", "100"});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_EQ(out.options->model.free_cost_ns, 300u);
  EXPECT_EQ(out.options->alloc_costs, (std::vector<std::uint64_t>{100}));
}

TEST(BenchModelOptions, PresetFile) {
  char path[] = "/tmp/pipe_bench_model_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << R"({"schema": "pipepool-model-preset/1", "name": "box",
    "alloc_cost_ns": 90, "free_cost_ns": 30, "reclaim_stall_probability": 0,
    "reclaim_stall_ns": 0})";
  const ParseOutcome out = parse({"-a", "model", "--model", path});
  ASSERT_TRUE(out.options) << out.output;
  EXPECT_EQ(out.options->model_preset->name, "box");
  EXPECT_EQ(out.options->alloc_costs, (std::vector<std::uint64_t>{90}));
  EXPECT_EQ(out.options->model.free_cost_ns, 30u);
  std::ofstream(path) << R"({"schema": "pipepool-model-preset/1", "name": "box"})";
  expect_error({"-a", "model", "--model", path}, "--model");
  ::unlink(path);
  expect_error({"-a", "model", "--model", path}, "--model");  // unreadable
}

TEST(BenchModelOptions, Errors) {
  expect_error({"--model-preset", "kernel"}, "--model-preset");  // needs -a model
  expect_error({"-a", "os", "--model", "x.json"}, "--model");
  expect_error({"--free-cost", "100"}, "--free-cost");
  expect_error({"--free-share", "50"}, "--free-share");
  expect_error({"-a", "model", "--model-preset", "slab"}, "--model-preset");
  expect_error({"-a", "model", "--model-preset", "kernel", "--model", "x.json"}, "--model");
  expect_error({"-a", "model", "--free-cost", "1us"}, "--free-cost");
  expect_error({"-a", "model", "--free-cost", "-5"}, "--free-cost");
  expect_error({"-a", "model", "--model-preset", "kernel", "--free-share", "101"}, "--free-share");
  expect_error({"-a", "model", "--model-preset", "kernel", "--free-share", "half"}, "--free-share");
  expect_error({"-a", "model", "--free-share", "50"}, "--free-share");  // needs a preset
  const ParseOutcome unknown = parse({"-a", "model", "--model-preset", "slab"});
  EXPECT_NE(unknown.output.find("known: kernel, kernel-reclaim"), std::string::npos)
      << unknown.output;
}

TEST(BenchModelOptions, HelpDocumentsTheFlags) {
  const ParseOutcome out = parse({"--help"});
  for (const char* flag : {"--model-preset", "--model ", "--free-cost", "--free-share"}) {
    EXPECT_NE(out.output.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(out.output.find("kernel-reclaim"), std::string::npos);
}

}  // namespace
