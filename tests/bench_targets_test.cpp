// pipe_bench's extra targets (kernel-procs, kernel-vmsplice, memcpy, vmsplice, kernel-splice,
// splice, shrinker): each delivers every byte written, counts its writes, and reports what it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "bench_target_run.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/workload.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;

WorkloadResult run(const std::string& name, std::size_t msg_size, unsigned writers = 2,
                   unsigned readers = 3) {
  return target_run::run_target(name, msg_size, writers, readers);
}

using target_run::expect_consistent;

class BenchExtraTarget : public testing::TestWithParam<std::string> {};

TEST_P(BenchExtraTarget, DeliversEveryByte) {
  const WorkloadResult r = run(GetParam(), 64 * 1024);
  expect_consistent(r, 64 * 1024);
}

TEST_P(BenchExtraTarget, DeliversOddSizedMessages) {
  const WorkloadResult r = run(GetParam(), 10000, 3, 2);
  expect_consistent(r, 10000);
}

INSTANTIATE_TEST_SUITE_P(Bench, BenchExtraTarget,
                         testing::Values("kernel-procs", "kernel-vmsplice", "memcpy", "vmsplice",
                                         "kernel-splice", "splice"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(BenchTargets, RegistryListsTheNewTargetsWithDescriptions) {
  for (const char* name : {"kernel", "kernel-procs", "kernel-vmsplice", "legacy", "prealloc",
                           "unified", "memcpy", "vmsplice", "kernel-splice", "splice"}) {
    EXPECT_TRUE(is_known_target(name)) << name;
    EXPECT_FALSE(describe_target(name).empty()) << name;
  }
  EXPECT_EQ(default_targets(),
            (std::vector<std::string_view>{"kernel", "legacy", "prealloc", "unified"}));
}

TEST(BenchTargets, ShrinkerRunsWhenPipepoolBuildsIt) {
  if (!is_known_target("shrinker")) GTEST_SKIP() << "pipepool does not build the shrinker policy";
  const WorkloadResult r = run("shrinker", 64 * 1024);
  expect_consistent(r, 64 * 1024);
  ASSERT_TRUE(r.pipe_stats.has_value());
}

TEST(BenchTargets, OnlyPipepoolTargetsUseThePageAllocator) {
  for (const auto name : known_targets()) {
    auto target = make_target(name, TargetConfig{});
    ASSERT_NE(target, nullptr) << name;
    // procs: pages from the shared pipe's own arena, not the allocator.
    const bool pipepool =
        !name.starts_with("kernel") && name != "memcpy" && name != "ring" && name != "procs";
    EXPECT_EQ(target->uses_page_allocator(), pipepool) << name;
    EXPECT_EQ(target->name(), name);
  }
}

TEST(BenchTargets, KernelProcsCountsProcessesWorkAcrossTheFork) {
  // Many small writes from forked writers: the parent sees the children's tallies.
  const WorkloadResult r = run("kernel-procs", 512, 3, 1);
  expect_consistent(r, 512);
  EXPECT_GT(r.writes, 3u);
}

}  // namespace
