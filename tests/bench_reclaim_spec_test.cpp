// --memory-pressure's SPEC: cgroup mode is the default, cgroup:LIMIT sets the limit,
// stress-ng[:WORKERS[:BYTES]] and the older bare [WORKERS][:BYTES] select stress-ng; every bad
// form is refused with a reason.
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/pressure_spec.hpp"

namespace {

using namespace pipe_bench;

PressureSpec parse_ok(const std::string& text) {
  std::string why;
  const auto spec = parse_pressure_spec(text, why);
  EXPECT_TRUE(spec.has_value()) << text << ": " << why;
  return spec.value_or(PressureSpec{});
}

TEST(BenchReclaimSpec, EmptyAndCgroupAreCgroupModeWithTheLimitChosenAtStart) {
  for (const char* text : {"", "cgroup"}) {
    const PressureSpec spec = parse_ok(text);
    EXPECT_EQ(spec.mode, PressureMode::cgroup) << text;
    EXPECT_EQ(spec.cgroup_limit, 0u) << text;
    EXPECT_EQ(describe(spec), "memory cgroup, limit chosen at start");
  }
}

TEST(BenchReclaimSpec, CgroupLimitIsASize) {
  EXPECT_EQ(parse_ok("cgroup:512M").cgroup_limit, 512ull << 20);
  EXPECT_EQ(parse_ok("cgroup:2G").cgroup_limit, 2ull << 30);
  EXPECT_EQ(parse_ok("cgroup:16m").cgroup_limit, kMinCgroupLimit);
  EXPECT_EQ(parse_ok("cgroup:512M").mode, PressureMode::cgroup);
  EXPECT_EQ(describe(parse_ok("cgroup:512M")), "memory cgroup, limit 512 MiB");
}

TEST(BenchReclaimSpec, StressNgForms) {
  const PressureSpec plain = parse_ok("stress-ng");
  EXPECT_EQ(plain.mode, PressureMode::stress_ng);
  EXPECT_EQ(describe(plain), "stress-ng --vm 4 --vm-bytes 80% --vm-method all");
  EXPECT_EQ(describe(parse_ok("stress-ng:2")), "stress-ng --vm 2 --vm-bytes 80% --vm-method all");
  EXPECT_EQ(describe(parse_ok("stress-ng:1:64M")),
            "stress-ng --vm 1 --vm-bytes 64M --vm-method all");
  EXPECT_EQ(describe(parse_ok("stress-ng::50%")),
            "stress-ng --vm 4 --vm-bytes 50% --vm-method all");
}

TEST(BenchReclaimSpec, BareWorkersAndBytesStillMeanStressNg) {
  for (const char* text : {"4:80%", "1:64M", "2", ":50%"}) {
    EXPECT_EQ(parse_ok(text).mode, PressureMode::stress_ng) << text;
  }
  EXPECT_EQ(describe(parse_ok("1:64M")), describe(parse_ok("stress-ng:1:64M")));
}

TEST(BenchReclaimSpec, BadFormsAreRefusedWithAReason) {
  for (const char* text : {"cgroup:", "cgroup:0", "cgroup:1M", "cgroup:abc", "cgroup:5X", "cgroups",
                           "stress-ng:", "stress-ng:0", "stress-ng:1:", "stress-ng:1:0%",
                           "stressng", "cgroup:1G:2", "x", "-1", "1:101%", "999:1M"}) {
    std::string why;
    EXPECT_FALSE(parse_pressure_spec(text, why).has_value()) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
}

}  // namespace
