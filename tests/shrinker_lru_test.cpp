// A scan, and a simulated (manual) pressure event, reclaim from the least recently used pools
// first, emptying each before touching the next.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker_test_support.hpp"

namespace pipepool::test {
namespace {

// One 64 KiB write drained: the pipe's pool holds 16 pages and its last use is now. Returns once
// the steady clock has moved on, so that pipes touched one after another have distinct stamps.
void touch(PipePair& p) {
  const std::vector<std::byte> data = pattern(64 * 1024);
  ASSERT_EQ(write_bytes(p.writer, data).count, data.size());
  ASSERT_EQ(read_n(p.reader, data.size()), data);
  const auto t = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() <= t) {
  }
}

std::uint64_t held(const PipePair& p) {
  return p.reader.stats().pool.pool_size;
}

class ShrinkerLru : public testing::Test {
 protected:
  void SetUp() override {
    shrink_all();  // other pools of this process hold nothing from here on
    for (auto& p : pipes_) p = shrinker_pipe();
    // Created in order 0, 1, 2 but touched 1, 2, 0: pipe 1 is the least recently used.
    touch(pipes_[1]);
    touch(pipes_[2]);
    touch(pipes_[0]);
    for (const auto& p : pipes_) ASSERT_EQ(held(p), 16u);
    ASSERT_EQ(shrinker_count(), 48u);
  }
  PipePair pipes_[3];
};

TEST_F(ShrinkerLru, ScanTakesTheLeastRecentlyUsedPoolFirst) {
  EXPECT_EQ(shrinker_scan(10), 10u);
  EXPECT_EQ(held(pipes_[1]), 6u);
  EXPECT_EQ(held(pipes_[2]), 16u);
  EXPECT_EQ(held(pipes_[0]), 16u);
  EXPECT_EQ(shrinker_scan(10), 10u);  // the rest of pipe 1, then the next oldest
  EXPECT_EQ(held(pipes_[1]), 0u);
  EXPECT_EQ(held(pipes_[2]), 12u);
  EXPECT_EQ(held(pipes_[0]), 16u);
}

TEST_F(ShrinkerLru, UsingAPipeMakesItTheMostRecent) {
  touch(pipes_[1]);  // order now 2, 0, 1
  EXPECT_EQ(shrinker_scan(20), 20u);
  EXPECT_EQ(held(pipes_[2]), 0u);
  EXPECT_EQ(held(pipes_[0]), 12u);
  EXPECT_EQ(held(pipes_[1]), 16u);
}

TEST_F(ShrinkerLru, ManualPressureEventReclaimsHalfOldestFirst) {
  const ShrinkerStats before = shrinker_stats();
  EXPECT_EQ(trigger_pressure(), 24u);  // half of 48
  EXPECT_EQ(held(pipes_[1]), 0u);
  EXPECT_EQ(held(pipes_[2]), 8u);
  EXPECT_EQ(held(pipes_[0]), 16u);
  EXPECT_EQ(trigger_pressure(), 12u);  // half of 24
  EXPECT_EQ(held(pipes_[2]), 0u);
  EXPECT_EQ(held(pipes_[0]), 12u);
  const ShrinkerStats after = shrinker_stats();
  EXPECT_EQ(after.pressure_events - before.pressure_events, 2u);
  EXPECT_EQ(after.pages_reclaimed - before.pages_reclaimed, 36u);
}

TEST_F(ShrinkerLru, ManualPressureEventCanReclaimEverything) {
  PressureOptions o;
  o.source = PressureSource::manual;
  o.reclaim_all = true;
  ASSERT_EQ(start_pressure_monitor(o), "manual");
  EXPECT_EQ(trigger_pressure(), 48u);
  stop_pressure_monitor();
  for (const auto& p : pipes_) EXPECT_EQ(held(p), 0u);
}

}  // namespace
}  // namespace pipepool::test
