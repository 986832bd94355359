// cgroup v2 memory.events as a pressure source: parsing and comparing its counters (on files),
// a growth of high/max/oom handled as a pressure event, the monitor registering it (on a stand-in
// directory, and on the real cgroup file when this machine has one) and reporting it in the
// status, and an honest note when it is absent. A temp file cannot raise the kernel's
// notification, so the notification itself is driven through on_memory_events().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker/monitor.hpp"
#include "shrinker/pressure_files.hpp"
#include "shrinker_test_support.hpp"

namespace pipepool::test {
namespace {

using shrinker::MemoryEvents;

const char* const kEvents =
    "low 0\nhigh 7\nmax 2\noom 1\noom_kill 1\noom_group_kill 0\nsock_throttled 0\n";

std::string temp_dir() {
  char dir[] = "/tmp/pp-memevents-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return "/tmp";
  return dir;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

class ShrinkerMemoryEvents : public testing::Test {
 protected:
  void TearDown() override { stop_pressure_monitor(); }
};

TEST(ShrinkerMemoryEventsParse, ReadsHighMaxOomAndIgnoresOtherKeys) {
  const auto e = shrinker::parse_memory_events(kEvents);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->high, 7u);
  EXPECT_EQ(e->max, 2u);
  EXPECT_EQ(e->oom, 1u);
  EXPECT_FALSE(shrinker::parse_memory_events("low 0\nhigh 1\nmax 2\n"));  // no oom line
  EXPECT_FALSE(shrinker::parse_memory_events(""));
  const auto odd = shrinker::parse_memory_events("junk\nhigh 1\n\nmax x\nmax 3\noom 4\n");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->max, 3u);
}

TEST(ShrinkerMemoryEventsParse, IncreaseCountsOnlyGrowth) {
  const MemoryEvents a{5, 2, 1};
  const MemoryEvents d = shrinker::memory_events_increase(a, {9, 2, 0});
  EXPECT_EQ(d.high, 4u);
  EXPECT_EQ(d.max, 0u);
  EXPECT_EQ(d.oom, 0u);  // went down (a new cgroup file): not growth
  EXPECT_TRUE(shrinker::any_increase(d));
  EXPECT_FALSE(shrinker::any_increase(shrinker::memory_events_increase(a, a)));
  EXPECT_TRUE(shrinker::any_increase(shrinker::memory_events_increase(a, {5, 2, 2})));
  EXPECT_TRUE(shrinker::any_increase(shrinker::memory_events_increase(a, {5, 3, 1})));
}

TEST(ShrinkerMemoryEventsParse, OpenReadsTheBaselineAndRereadsFromTheStart) {
  const std::string path = temp_dir() + "/memory.events";
  write_file(path, kEvents);
  shrinker::OpenedEvents opened = shrinker::open_memory_events(path);
  ASSERT_GE(opened.fd, 0) << opened.error;
  EXPECT_EQ(opened.baseline.high, 7u);
  write_file(path, "low 0\nhigh 8\nmax 2\noom 1\n");
  std::string error;
  const auto again = shrinker::read_memory_events(opened.fd, error);
  ASSERT_TRUE(again.has_value()) << error;
  EXPECT_EQ(again->high, 8u);
  ::close(opened.fd);

  const shrinker::OpenedEvents missing = shrinker::open_memory_events("/nonexistent/memory.events");
  EXPECT_EQ(missing.fd, -1);
  EXPECT_EQ(missing.error, "/nonexistent/memory.events: No such file or directory");
  write_file(path, "low 0\n");
  const shrinker::OpenedEvents empty = shrinker::open_memory_events(path);
  EXPECT_EQ(empty.fd, -1);
  EXPECT_EQ(empty.error, path + ": no high/max/oom counters in it");
}

TEST(ShrinkerMemoryEventsChange, GrowthOfHighMaxOrOomIsAPressureEvent) {
  shrink_all();
  const Held h = idle_pipe(64 * 1024);
  ASSERT_EQ(shrinker_count(), 16u);
  MemoryEvents baseline{3, 0, 0};

  ShrinkerStats before = shrinker_stats();
  EXPECT_EQ(shrinker::on_memory_events(baseline, {3, 0, 0}, false), 0u);  // e.g. only `low` grew
  ShrinkerStats after = shrinker_stats();
  EXPECT_EQ(after.memory_events_seen - before.memory_events_seen, 1u);
  EXPECT_EQ(after.memory_events_pressure, before.memory_events_pressure);
  EXPECT_EQ(after.pressure_events, before.pressure_events);
  EXPECT_EQ(shrinker_count(), 16u);

  before = after;
  EXPECT_EQ(shrinker::on_memory_events(baseline, {4, 0, 0}, false), 8u);  // half, rounded up
  after = shrinker_stats();
  EXPECT_EQ(after.memory_events_seen - before.memory_events_seen, 1u);
  EXPECT_EQ(after.memory_events_pressure - before.memory_events_pressure, 1u);
  EXPECT_EQ(after.pressure_events - before.pressure_events, 1u);
  EXPECT_EQ(baseline.high, 4u);  // the baseline moved on: the same counters are no event

  EXPECT_EQ(shrinker::on_memory_events(baseline, {4, 0, 0}, true), 0u);
  EXPECT_EQ(shrinker::on_memory_events(baseline, {4, 0, 1}, true), 8u);  // oom, reclaim all
  EXPECT_EQ(shrinker_count(), 0u);
}

TEST_F(ShrinkerMemoryEvents, MonitorWatchesMemoryEventsInTheCgroupDirectory) {
  // A stand-in cgroup directory: regular files accept the trigger write and never poll ready.
  const std::string dir = temp_dir();
  write_file(dir + "/memory.pressure", "");
  write_file(dir + "/memory.events", kEvents);
  PressureOptions o;
  o.source = PressureSource::cgroup;
  o.cgroup_dir = dir;
  EXPECT_EQ(start_pressure_monitor(o), "cgroup+memory.events");
  PressureStatus st = pressure_status();
  EXPECT_EQ(st.source, "cgroup+memory.events");
  EXPECT_EQ(st.events_path, dir + "/memory.events");
  EXPECT_EQ(st.events_note, "");
  EXPECT_EQ(st.path, dir + "/memory.pressure");
  stop_pressure_monitor();
  EXPECT_EQ(pressure_status().events_path, "");

  o.memory_events = false;
  EXPECT_EQ(start_pressure_monitor(o), "cgroup");
  EXPECT_EQ(pressure_status().events_path, "");

  o.memory_events = true;
  o.source = PressureSource::psi;  // PSI only: memory.events is not looked at
  o.psi_path = dir + "/memory.pressure";
  EXPECT_EQ(start_pressure_monitor(o), "psi");
  EXPECT_EQ(pressure_status().events_note, "");
}

TEST_F(ShrinkerMemoryEvents, OnlyMemoryEventsSaysSoWithTheReasons) {
  const std::string dir = temp_dir();
  write_file(dir + "/memory.events", kEvents);
  PressureOptions o;
  o.cgroup_dir = dir;
  o.psi_path = "/nonexistent/psi";
  const std::string source = start_pressure_monitor(o);
  EXPECT_EQ(source, "memory.events (no PSI trigger: none: cgroup: " + dir +
                        "/memory.pressure: No such file or directory; psi: /nonexistent/psi: No "
                        "such file or directory)");
  EXPECT_TRUE(pressure_status().running);
  EXPECT_EQ(pressure_status().events_path, dir + "/memory.events");
}

TEST_F(ShrinkerMemoryEvents, AbsentMemoryEventsIsNotedNotAnError) {
  const std::string dir = temp_dir();
  write_file(dir + "/memory.pressure", "");
  PressureOptions o;
  o.source = PressureSource::cgroup;
  o.cgroup_dir = dir;
  EXPECT_EQ(start_pressure_monitor(o), "cgroup");
  const PressureStatus st = pressure_status();
  EXPECT_EQ(st.events_path, "");
  EXPECT_EQ(st.events_note, dir + "/memory.events: No such file or directory");
}

TEST_F(ShrinkerMemoryEvents, RealCgroupMemoryEventsRegistersWhenPresent) {
  std::string why;
  const auto cg = shrinker::own_cgroup_dir(why);
  if (!cg) GTEST_SKIP() << "no cgroup v2 directory: " << why;
  const std::string path = cg->dir + "/memory.events";
  if (::access(path.c_str(), R_OK) != 0) {
    GTEST_SKIP() << path << " is absent (root cgroup, or the memory controller is not on the v2 "
                 << "hierarchy here)";
  }
  PressureOptions o;
  o.source = PressureSource::cgroup;
  const std::string source = start_pressure_monitor(o);
  EXPECT_NE(source.find("memory.events"), std::string::npos) << source;
  EXPECT_EQ(pressure_status().events_path, path);
  stop_pressure_monitor();
  EXPECT_EQ(pressure_status().source, "off");
}

}  // namespace
}  // namespace pipepool::test
