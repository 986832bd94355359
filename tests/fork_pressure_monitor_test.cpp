// fork() while the pressure monitor runs: the monitor thread exists only in the parent, so the
// child's monitor reports itself stopped and stops at once (it neither joins a thread it does not
// have nor writes the stop eventfd it shares with the parent), and the parent's monitor goes on.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "fork_support.hpp"
#include "monitor_threads.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker/monitor.hpp"

namespace pipepool::testing {
namespace {

TEST(ForkPressureMonitorTest, ChildMonitorIsStoppedAndTheParentsRunsOn) {
  PressureOptions options;
  options.source = PressureSource::manual;
  (void)start_pressure_monitor(options);
  ASSERT_TRUE(pressure_status().running);
  ASSERT_EQ(monitor_threads(), 1);

  EXPECT_EQ(in_bounded_child([] {
              const PressureStatus s = pressure_status();
              if (s.running || s.source != "off") return 1;
              stop_pressure_monitor();
              return pressure_status().running ? 2 : 0;
            }),
            0);

  // The child's stop did not reach the parent's thread: still there a while later.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(pressure_status().running);
  EXPECT_EQ(monitor_threads(), 1);
  stop_pressure_monitor();
}

}  // namespace
}  // namespace pipepool::testing
