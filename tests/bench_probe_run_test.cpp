// A short real probe on this kernel: the structure of the report and positive syscall and copy
// figures (no speed is asserted), and its text names every figure.
#include <gtest/gtest.h>

#include "pipe_bench/probe.hpp"

namespace {

TEST(BenchProbeRun, ShortRealProbeYieldsPositiveSyscallAndCopy) {
  pipe_bench::ProbeOptions o;
  o.samples = 300;
  const auto r = pipe_bench::run_probe(o);
  ASSERT_TRUE(r.ok()) << r.measurement.error;
  const auto& s = r.measurement.samples;
  EXPECT_EQ(s.timer.size(), 300u);
  EXPECT_EQ(s.write0.size(), 300u);
  for (const unsigned k : {1u, 2u, 8u, 16u}) {
    EXPECT_EQ(s.write.at(k).size(), 300u) << k;
    EXPECT_EQ(s.read.at(k).size(), 300u) << k;
  }
  EXPECT_GE(r.measurement.pipe_bytes, 16u * 4096u);
  EXPECT_EQ(r.measurement.warmup, 100u);
  EXPECT_FALSE(r.measurement.pinning.empty());
  const auto& f = r.figures;
  EXPECT_GT(f.syscall.median, 0);
  EXPECT_GT(f.copy_write.median, 0);
  EXPECT_GT(f.write_raw.at(16).median, f.write_raw.at(1).median);
  EXPECT_EQ(f.pages, 16u);
  ASSERT_EQ(f.by_pages.size(), 2u);
  EXPECT_EQ(r.split.checks.size(), 5u);
  EXPECT_GE(r.split.alloc_cost_ns, 0);
  EXPECT_GE(r.split.free_cost_ns, 0);

  const std::string text = pipe_bench::format_probe_report(r);
  for (const char* row :
       {"syscall: write(fd, buf, 0)", "copy per page, write", "alloc per page, k=16",
        "free per page, k=16", "alloc+free per page, k=16", "preset: alloc_cost_ns", "rule: "}) {
    EXPECT_NE(text.find(row), std::string::npos) << row;
  }
}

TEST(BenchProbeRun, RejectsPageCountsWithoutTheModelsVariants) {
  pipe_bench::ProbeOptions o;
  o.samples = 10;
  o.pages = {1, 8};
  const auto r = pipe_bench::run_probe(o);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.measurement.error.find("1, 2"), std::string::npos) << r.measurement.error;
}

}  // namespace
