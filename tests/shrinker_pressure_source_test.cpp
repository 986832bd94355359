// The memory-pressure sources: PSI / cgroup triggers register when the kernel lets us, the
// monitor thread stops on shutdown, and an unusable source is reported as "none: <reason>" (not
// an error: the manual trigger and the idle trim still work).
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "monitor_threads.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker/monitor.hpp"
#include "shrinker/pressure_files.hpp"

namespace pipepool {
namespace {

// A joined thread can stay listed for a moment after join() returns (the kernel removes the task
// after waking the joiner); wait for it, with a bound, instead of racing it.
int monitor_threads_after_stop() {
  int n = monitor_threads();
  for (int i = 0; i < 1000 && n != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n = monitor_threads();
  }
  return n;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The PSI part of a source string: without the "+memory.events" a cgroup with memory.events adds.
std::string psi_part(const std::string& source) {
  const std::string suffix = "+memory.events";
  if (source.size() > suffix.size() &&
      source.compare(source.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return source.substr(0, source.size() - suffix.size());
  }
  return source;
}

class ShrinkerPressureSource : public testing::Test {
 protected:
  void TearDown() override { stop_pressure_monitor(); }
};

// The start/stop contract for whichever source the machine gives us.
void check_start_stop(const PressureOptions& options, const std::string& expected_source) {
  ASSERT_EQ(monitor_threads(), 0);
  const std::string full_source = start_pressure_monitor(options);
  const std::string source = psi_part(full_source);
  PressureStatus st = pressure_status();
  EXPECT_TRUE(st.running);
  EXPECT_EQ(st.source, full_source);
  EXPECT_EQ(monitor_threads(), 1);
  if (source == expected_source) {
    EXPECT_FALSE(st.path.empty());
    const auto spec = shrinker::parse_trigger(st.trigger);
    ASSERT_TRUE(spec.has_value()) << st.trigger;
    // Either the trigger as given or its unprivileged variant (window a multiple of 2 s).
    EXPECT_TRUE(st.trigger == options.trigger || spec->window_us % 2'000'000 == 0) << st.trigger;
  } else if (!starts_with(source, "memory.events")) {
    ASSERT_TRUE(starts_with(source, "none: ")) << source;
    EXPECT_GT(source.size(), std::string("none: ").size());
    EXPECT_TRUE(st.path.empty());
  }
  stop_pressure_monitor();
  st = pressure_status();
  EXPECT_FALSE(st.running);
  EXPECT_EQ(st.source, "off");
  EXPECT_EQ(monitor_threads_after_stop(), 0);
}

TEST_F(ShrinkerPressureSource, SystemPsiRegistersOrFallsBackClearly) {
  PressureOptions o;
  o.source = PressureSource::psi;
  check_start_stop(o, "psi");
}

TEST_F(ShrinkerPressureSource, CgroupRegistersOrFallsBackClearly) {
  PressureOptions o;
  o.source = PressureSource::cgroup;
  check_start_stop(o, "cgroup");
}

TEST_F(ShrinkerPressureSource, AutomaticPicksCgroupThenPsi) {
  const std::string source = psi_part(start_pressure_monitor());
  EXPECT_TRUE(source == "cgroup" || source == "psi" || starts_with(source, "none: cgroup: ") ||
              starts_with(source, "memory.events (no PSI trigger: none: cgroup: "))
      << source;
  stop_pressure_monitor();
}

TEST_F(ShrinkerPressureSource, MissingPsiFileIsReportedNotAnError) {
  PressureOptions o;
  o.source = PressureSource::psi;
  o.psi_path = "/nonexistent/pressure/memory";
  const std::string source = start_pressure_monitor(o);
  EXPECT_EQ(source, "none: psi: /nonexistent/pressure/memory: No such file or directory");
  EXPECT_TRUE(pressure_status().running);  // the idle trim and manual events still work
  const std::uint64_t events = shrinker_stats().pressure_events;
  trigger_pressure();
  EXPECT_EQ(shrinker_stats().pressure_events, events + 1);
}

TEST_F(ShrinkerPressureSource, AutomaticListsEveryReasonWhenNothingWorks) {
  PressureOptions o;
  o.cgroup_dir = "/nonexistent/cgroup";
  o.psi_path = "/nonexistent/psi";
  const std::string source = start_pressure_monitor(o);
  EXPECT_EQ(source,
            "none: cgroup: /nonexistent/cgroup/memory.pressure: No such file or directory; psi: "
            "/nonexistent/psi: No such file or directory");
}

TEST_F(ShrinkerPressureSource, RefusedTriggerIsReportedWithTheErrno) {
  // A regular file accepts the write, so use one that refuses it: /proc/self/stat is read-only.
  PressureOptions o;
  o.source = PressureSource::psi;
  o.psi_path = "/proc/self/stat";
  const std::string source = start_pressure_monitor(o);
  EXPECT_TRUE(starts_with(source, "none: psi: /proc/self/stat: ")) << source;
}

TEST_F(ShrinkerPressureSource, InvalidTriggerIsReported) {
  PressureOptions o;
  o.trigger = "some 2000000 1000000";  // stall longer than the window
  EXPECT_EQ(start_pressure_monitor(o), "none: invalid trigger \"some 2000000 1000000\"");
}

TEST_F(ShrinkerPressureSource, ManualSourceAndRestart) {
  PressureOptions o;
  o.source = PressureSource::manual;
  EXPECT_EQ(start_pressure_monitor(o), "manual");
  EXPECT_EQ(start_pressure_monitor(o), "manual");  // restart replaces the thread
  const ShrinkerStats before = shrinker_stats();
  trigger_pressure();
  EXPECT_EQ(shrinker_stats().pressure_events - before.pressure_events, 1u);
  stop_pressure_monitor();
  stop_pressure_monitor();  // idempotent
  EXPECT_EQ(pressure_status().source, "off");
}

TEST(ShrinkerTriggerSpec, ParsesAndScalesForUnprivilegedUse) {
  const auto spec = shrinker::parse_trigger("some 150000 1000000");
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->text(), "some 150000 1000000");
  EXPECT_EQ(shrinker::unprivileged_trigger(*spec).text(), "some 300000 2000000");
  EXPECT_EQ(shrinker::unprivileged_trigger(*shrinker::parse_trigger("full 100000 5000000")).text(),
            "full 120000 6000000");
  EXPECT_EQ(shrinker::unprivileged_trigger(*shrinker::parse_trigger("some 1 4000000")).text(),
            "some 1 4000000");
  EXPECT_FALSE(shrinker::parse_trigger("most 1 2"));
  EXPECT_FALSE(shrinker::parse_trigger("some 0 1000000"));
  EXPECT_FALSE(shrinker::parse_trigger("some 10 1000000 extra"));
  EXPECT_FALSE(shrinker::parse_trigger("some ten 1000000"));
}

}  // namespace
}  // namespace pipepool
