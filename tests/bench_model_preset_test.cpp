// Model allocator presets: the JSON contract (required fields, ranges, unknown keys ignored), the
// presets compiled into pipe_bench, preset files, and --free-share's re-split of the costs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "pipe_bench/model_preset.hpp"

namespace {

using pipe_bench::builtin_preset;
using pipe_bench::builtin_preset_names;
using pipe_bench::model_cost_text;
using pipe_bench::parse_model_preset;
using pipe_bench::preset_from_file;
using pipe_bench::PresetOutcome;
using pipe_bench::split_costs;

constexpr const char* kValid = R"({
  "schema": "pipepool-model-preset/1", "name": "my-box-2", "description": "test box",
  "alloc_cost_ns": 180.4, "free_cost_ns": 120, "free_share": 0.4,
  "reclaim_stall_probability": 0.01, "reclaim_stall_ns": 15000,
  "source": {"tool": "pipe_bench --probe", "samples": 2000}, "future_key": [1, 2]
})";

// kValid with `field` replaced by `value` (or removed when value is empty).
std::string with(const std::string& field, const std::string& value) {
  nlohmann::json doc = nlohmann::json::parse(kValid);
  if (value.empty()) {
    doc.erase(field);
  } else {
    doc[field] = nlohmann::json::parse(value);
  }
  return doc.dump();
}

void expect_invalid(const std::string& text, const std::string& field) {
  const PresetOutcome out = parse_model_preset(text, "test");
  EXPECT_FALSE(out.preset.has_value()) << text;
  EXPECT_NE(out.error.find(field), std::string::npos) << out.error;
  EXPECT_EQ(out.error.find('\n'), std::string::npos) << out.error;
}

TEST(BenchModelPreset, ParsesAValidPreset) {
  const PresetOutcome out = parse_model_preset(kValid, "file x.json");
  ASSERT_TRUE(out.preset.has_value()) << out.error;
  const auto& p = *out.preset;
  EXPECT_EQ(p.name, "my-box-2");
  EXPECT_EQ(p.description, "test box");
  EXPECT_EQ(p.alloc_cost_ns, 180u);  // rounded to whole nanoseconds
  EXPECT_EQ(p.free_cost_ns, 120u);
  ASSERT_TRUE(p.free_share.has_value());
  EXPECT_DOUBLE_EQ(*p.free_share, 0.4);
  EXPECT_DOUBLE_EQ(p.reclaim_stall_probability, 0.01);
  EXPECT_EQ(p.reclaim_stall_ns, 15000u);
  EXPECT_EQ(nlohmann::json::parse(p.source_json)["samples"], 2000);
  EXPECT_EQ(p.origin, "file x.json");
}

TEST(BenchModelPreset, OptionalFieldsMayBeAbsent) {
  nlohmann::json doc = nlohmann::json::parse(with("free_share", ""));
  doc.erase("description");
  doc.erase("source");
  const PresetOutcome out = parse_model_preset(doc.dump(), "test");
  ASSERT_TRUE(out.preset.has_value()) << out.error;
  EXPECT_FALSE(out.preset->free_share.has_value());
  EXPECT_TRUE(out.preset->description.empty());
  EXPECT_TRUE(out.preset->source_json.empty());
}

TEST(BenchModelPreset, EachRequiredFieldIsRequired) {
  for (const char* field : {"schema", "name", "alloc_cost_ns", "free_cost_ns",
                            "reclaim_stall_probability", "reclaim_stall_ns"}) {
    expect_invalid(with(field, ""), field);
  }
}

TEST(BenchModelPreset, RejectsNegativeOutOfRangeAndMistypedValues) {
  expect_invalid(with("alloc_cost_ns", "-1"), "alloc_cost_ns");
  expect_invalid(with("free_cost_ns", "-0.5"), "free_cost_ns");
  expect_invalid(with("reclaim_stall_ns", "-20"), "reclaim_stall_ns");
  expect_invalid(with("reclaim_stall_ns", "1e12"), "reclaim_stall_ns");
  expect_invalid(with("reclaim_stall_probability", "1.5"), "reclaim_stall_probability");
  expect_invalid(with("reclaim_stall_probability", "-0.1"), "reclaim_stall_probability");
  expect_invalid(with("free_share", "2"), "free_share");
  expect_invalid(with("alloc_cost_ns", "\"200\""), "alloc_cost_ns");
  expect_invalid(with("schema", "\"pipepool-model-preset/2\""), "schema");
  expect_invalid(with("name", "\"Kernel\""), "name");
  expect_invalid(with("source", "3"), "source");
}

TEST(BenchModelPreset, RejectsBadJson) {
  expect_invalid("{\"schema\": ", "JSON");
  expect_invalid("[1, 2]", "object");
}

TEST(BenchModelPreset, BuiltinPresetsParseAndKeepTheirNames) {
  const auto names = builtin_preset_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "kernel"), names.end());
  ASSERT_NE(std::find(names.begin(), names.end(), "kernel-reclaim"), names.end());
  for (const auto& name : names) {
    const PresetOutcome out = builtin_preset(name);
    ASSERT_TRUE(out.preset.has_value()) << name << ": " << out.error;
    EXPECT_EQ(out.preset->name, name);
    EXPECT_EQ(out.preset->origin, "built-in");
  }
}

TEST(BenchModelPreset, UnknownNameListsTheKnownOnes) {
  const PresetOutcome out = builtin_preset("slab");
  EXPECT_FALSE(out.preset.has_value());
  EXPECT_NE(out.error.find("'slab'"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("kernel, kernel-reclaim"), std::string::npos) << out.error;
}

TEST(BenchModelPreset, ReadsAFileAndNamesItInErrors) {
  char path[] = "/tmp/pipe_bench_preset_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << kValid;
  const PresetOutcome good = preset_from_file(path);
  ASSERT_TRUE(good.preset.has_value()) << good.error;
  EXPECT_EQ(good.preset->origin, std::string("file ") + path);
  std::ofstream(path) << with("free_cost_ns", "");
  const PresetOutcome bad = preset_from_file(path);
  EXPECT_FALSE(bad.preset.has_value());
  EXPECT_NE(bad.error.find(path), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("free_cost_ns"), std::string::npos) << bad.error;
  ::unlink(path);
  const PresetOutcome missing = preset_from_file(path);
  EXPECT_FALSE(missing.preset.has_value());
  EXPECT_NE(missing.error.find("cannot read"), std::string::npos) << missing.error;
}

TEST(BenchModelPreset, FreeShareResplitsTheSum) {
  EXPECT_EQ(split_costs(200, 200, 0.0).alloc_cost_ns, 400u);
  EXPECT_EQ(split_costs(200, 200, 0.0).free_cost_ns, 0u);
  EXPECT_EQ(split_costs(300, 100, 1.0).alloc_cost_ns, 0u);
  EXPECT_EQ(split_costs(300, 100, 1.0).free_cost_ns, 400u);
  const auto third = split_costs(100, 0, 1.0 / 3);
  EXPECT_EQ(third.alloc_cost_ns + third.free_cost_ns, 100u);
  EXPECT_EQ(third.free_cost_ns, 33u);
}

TEST(BenchModelPreset, CostTextNamesEveryCost) {
  EXPECT_EQ(model_cost_text("kernel", "200", 200, 0.02, 20000),
            "preset kernel: alloc 200 ns, free 200 ns, stall 2% x 20 us");
  EXPECT_EQ(model_cost_text("", "0,250", 0, 0, 0), "alloc 0,250 ns, free 0 ns");
}

}  // namespace
