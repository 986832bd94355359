// pipepool_idle's core: pages held by idle pipes before and after a pressure event. The kernel
// designs keep 2 pages per idle pipe whatever happens; the shrinker keeps more and gives them all
// back on shrink_all(). Also its one-line exit-2 errors for bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "idle/idle_run.hpp"

namespace {

using pipepool::AllocatorKind;
using pipepool::PolicyKind;
using pipepool_idle::measure_policy;

constexpr std::size_t kPipes = 50;

pipepool_idle::IdleRow measured(PolicyKind policy, AllocatorKind allocator) {
  std::string error;
  const auto row = measure_policy(policy, kPipes, allocator, error);
  EXPECT_TRUE(row.has_value()) << error;
  return row.value_or(pipepool_idle::IdleRow{});
}

TEST(IdleMemory, KernelDesignsHoldTwoPagesPerPipeBeforeAndAfter) {
  for (const PolicyKind policy : {PolicyKind::legacy, PolicyKind::prealloc, PolicyKind::unified}) {
    const auto row = measured(policy, AllocatorKind::model);
    SCOPED_TRACE(row.policy);
    EXPECT_EQ(row.pipes, kPipes);
    EXPECT_EQ(row.held_before, 2 * kPipes);
    EXPECT_EQ(row.held_after, 2 * kPipes);
    EXPECT_EQ(row.reclaimed, 0u);
    // Every live page is a kept one: the ring is empty after the full read.
    EXPECT_EQ(row.live_before, static_cast<std::int64_t>(2 * kPipes));
    EXPECT_EQ(row.live_after, static_cast<std::int64_t>(2 * kPipes));
  }
}

TEST(IdleMemory, ShrinkerHoldsMoreAndGivesEverythingBack) {
  const auto row = measured(PolicyKind::shrinker, AllocatorKind::model);
  EXPECT_GT(row.held_before, 2 * kPipes);
  EXPECT_EQ(row.held_before, 16 * kPipes);  // a 64 KiB write fills the default cap of 16 pages
  EXPECT_EQ(row.held_after, 0u);
  EXPECT_EQ(row.reclaimed, row.held_before);
  EXPECT_EQ(row.live_before, static_cast<std::int64_t>(row.held_before));
  EXPECT_EQ(row.live_after, 0);
}

TEST(IdleMemory, TableAndJsonNameEveryPolicy) {
  pipepool_idle::IdleOptions options;
  options.pipes = 3;
  options.allocator = AllocatorKind::heap;
  std::string error;
  const auto rows = pipepool_idle::measure(options, error);
  ASSERT_TRUE(rows.has_value()) << error;
  ASSERT_EQ(rows->size(), 4u);
  const std::string table = pipepool_idle::format_table(*rows, options);
  const std::string json = pipepool_idle::to_json(*rows, options);
  for (const char* name : {"legacy", "prealloc", "unified", "shrinker"}) {
    EXPECT_NE(table.find(std::string("\n") + name + " "), std::string::npos) << table;
    EXPECT_NE(json.find(std::string("{\"policy\": \"") + name + "\""), std::string::npos) << json;
  }
  EXPECT_NE(json.find("\"allocator\": \"heap\""), std::string::npos) << json;
}

TEST(IdleMemory, BadInputIsOneLineError) {
  const std::vector<std::vector<std::string>> bad = {
      {"--pipes", "0"},      {"--pipes", "x"},   {"--pipes", "-3"},
      {"--policies", "foo"}, {"--policies", ""}, {"--allocator", "tcmalloc"},
      {"--frobnicate"},      {"--pipes"},        {"--json", ""}};
  for (const auto& args : bad) {
    std::string json, error;
    bool help = false;
    EXPECT_FALSE(pipepool_idle::parse_args(args, json, help, error).has_value()) << args[0];
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  std::string json, error;
  bool help = false;
  const auto ok = pipepool_idle::parse_args(
      {"--pipes", "7", "--policies", "shrinker,legacy", "--allocator", "model", "--json", "f"},
      json, help, error);
  ASSERT_TRUE(ok.has_value()) << error;
  EXPECT_EQ(ok->pipes, 7u);
  EXPECT_EQ(ok->policies, (std::vector<PolicyKind>{PolicyKind::shrinker, PolicyKind::legacy}));
  EXPECT_EQ(ok->allocator, AllocatorKind::model);
  EXPECT_EQ(json, "f");
}

}  // namespace
