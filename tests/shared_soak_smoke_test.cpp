// A short run of the cross-process soak (tools/shared_soak): records of at most PIPE_BUF bytes
// from writer processes, several of them SIGKILLed mid-stream and replaced, all reach the reader
// process whole, in order per writer, none lost or duplicated.
#include <gtest/gtest.h>

#include "shared_soak/shared_soak.hpp"
#include "shared_support.hpp"

namespace {

using namespace pipepool::shared_soak;

TEST(SharedSoakSmoke, KilledWritersLoseAndDuplicateNothing) {
  pipepool::testing::HangGuard guard;
  SoakConfig config;
  config.bytes = 4'000'000;
  config.writers = 3;
  config.kill_interval = std::chrono::milliseconds(20);
  config.min_kills = 5;
  config.timeout = std::chrono::seconds(15);
  const SoakReport r = run_soak(config);
  EXPECT_EQ(r.error, "");
  EXPECT_GE(r.kills, 5u);
  EXPECT_EQ(r.writers_started, r.kills + 3);
  EXPECT_GE(r.bytes, 4'000'000u);
  EXPECT_GT(r.records, 0u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicated, 0u);
  EXPECT_EQ(r.gaps, 0u);
  EXPECT_EQ(r.corrupt, 0u);
  EXPECT_EQ(r.unexpected, 0u);
  EXPECT_EQ(r.foreign, 0u);
  EXPECT_TRUE(r.clean());
}

}  // namespace
