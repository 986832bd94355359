// The idle trim: pools untouched for longer than the configured age are emptied by the monitor
// thread's periodic tick; pools used more recently than the age keep their pages.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker/registry.hpp"
#include "shrinker_test_support.hpp"

namespace pipepool::test {
namespace {

PipePair used_shrinker_pipe() {
  PipePair p = shrinker_pipe();
  const std::vector<std::byte> data = pattern(32 * 1024);
  EXPECT_EQ(write_bytes(p.writer, data).count, data.size());
  EXPECT_EQ(read_n(p.reader, data.size()), data);
  return p;
}

std::uint64_t held(const PipePair& p) {
  return p.reader.stats().pool.pool_size;
}

TEST(ShrinkerIdleTrim, MonitorFreesPagesOfIdlePools) {
  PipePair p = used_shrinker_pipe();
  ASSERT_EQ(held(p), 8u);
  const ShrinkerStats before = shrinker_stats();
  PressureOptions o;
  o.source = PressureSource::manual;
  o.idle_age = std::chrono::milliseconds{50};
  ASSERT_EQ(start_pressure_monitor(o), "manual");
  EXPECT_EQ(pressure_status().idle_age, std::chrono::milliseconds{50});
  // Poll (bounded) for the tick to come; the assertion is on the outcome, not on the timing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (held(p) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  stop_pressure_monitor();
  EXPECT_EQ(held(p), 0u);
  const ShrinkerStats after = shrinker_stats();
  EXPECT_GE(after.pages_reclaimed_idle - before.pages_reclaimed_idle, 8u);
  EXPECT_EQ(after.pressure_events, before.pressure_events);  // idle trim is not pressure
}

TEST(ShrinkerIdleTrim, OnlyPoolsOlderThanTheAgeAreTrimmed) {
  shrink_all();
  PipePair old_pipe = used_shrinker_pipe();
  const std::uint64_t cutoff = shrinker::now_ns();
  while (shrinker::now_ns() <= cutoff) {
  }
  PipePair new_pipe = used_shrinker_pipe();
  // The trim with a cutoff between the two uses takes the old pool only.
  const ShrinkerStats before = shrinker_stats();
  EXPECT_EQ(shrinker::Registry::instance().trim_used_before(cutoff), 8u);
  EXPECT_EQ(shrinker_stats().pages_reclaimed_idle - before.pages_reclaimed_idle, 8u);
  EXPECT_EQ(held(old_pipe), 0u);
  EXPECT_EQ(held(new_pipe), 8u);
  // A one-hour age takes nothing; a zero age takes everything idle.
  EXPECT_EQ(shrinker::Registry::instance().trim_idle(3'600'000'000'000ull), 0u);
  EXPECT_EQ(held(new_pipe), 8u);
  EXPECT_EQ(shrinker::Registry::instance().trim_idle(0), 8u);
  EXPECT_EQ(held(new_pipe), 0u);
}

}  // namespace
}  // namespace pipepool::test
