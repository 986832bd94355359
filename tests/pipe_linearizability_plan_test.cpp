// Random plans for the linearizability check (fuzz/lin_plan.hpp) contain vmsplice calls of the
// shapes that matter: into the write end from a page's start, just after it and near its end,
// across page ends, with the bytes they offer; out of the read end; within the write budget that
// keeps the roomy workload's pipe from filling.
#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <vector>

#include "lin_plan.hpp"

namespace pipepool::lin {
namespace {

std::vector<PlannedCall> calls_of(const Plan& p) {
  std::vector<PlannedCall> out;
  for (const ThreadPlan& t : p.threads) out.insert(out.end(), t.calls.begin(), t.calls.end());
  return out;
}

TEST(PipeLinearizabilityPlan, VmspliceCallsHaveVariedOffsetsAndCrossPageEnds) {
  std::mt19937_64 rng(7);
  std::size_t at_start = 0, after_start = 0, near_end = 0, crossing = 0, out = 0;
  for (int i = 0; i < 300; ++i) {
    for (const PlannedCall& c : calls_of(random_plan(rng))) {
      if (c.kind == OpKind::vmsplice_out) {
        ++out;
        EXPECT_EQ(c.end, End::read);
        EXPECT_GT(c.len, 0u);
      }
      if (c.kind != OpKind::vmsplice_in) continue;
      EXPECT_EQ(c.end, End::write);
      ASSERT_EQ(c.data.size(), c.len);
      ASSERT_GT(c.len, 0u);
      ASSERT_LT(c.page_offset, 4096u);
      if (c.page_offset == 0) ++at_start;
      if (c.page_offset > 0 && c.page_offset <= 64) ++after_start;
      if (c.page_offset >= 4096 - 64) ++near_end;
      if (c.page_offset + c.len > 4096) ++crossing;
    }
  }
  EXPECT_GT(at_start, 0u);
  EXPECT_GT(after_start, 0u);
  EXPECT_GT(near_end, 0u);
  EXPECT_GT(crossing, 0u);
  EXPECT_GT(out, 0u);
}

TEST(PipeLinearizabilityPlan, VmsplicePagesCountAgainstTheWriteBudget) {
  std::mt19937_64 rng(11);
  PlanLimits l;
  l.min_pipe_size = l.max_pipe_size = 65536;
  l.max_write_slots = 16;
  std::size_t spliced = 0;
  for (int i = 0; i < 300; ++i) {
    std::size_t slots = 0;
    for (const PlannedCall& c : calls_of(random_plan(rng, l))) {
      if (c.kind == OpKind::write || c.kind == OpKind::vmsplice_in) {
        slots += (c.page_offset + c.len + 4095) / 4096;
      }
      if (c.kind == OpKind::vmsplice_in) ++spliced;
    }
    EXPECT_LE(slots, 16u);
  }
  EXPECT_GT(spliced, 0u);
}

TEST(PipeLinearizabilityPlan, NoVmspliceAtZeroPercent) {
  std::mt19937_64 rng(13);
  PlanLimits l;
  l.vmsplice_percent = 0;
  for (int i = 0; i < 100; ++i) {
    for (const PlannedCall& c : calls_of(random_plan(rng, l))) {
      EXPECT_NE(c.kind, OpKind::vmsplice_in);
      EXPECT_NE(c.kind, OpKind::vmsplice_out);
    }
  }
}

}  // namespace
}  // namespace pipepool::lin

namespace pipepool::lin {
namespace {

// Blocking plans: writers and readers are separate threads, each closing its end last (so every
// wait has a release); they include resizes and writes of several pages.
TEST(PipeLinearizabilityPlan, BlockingPlansSeparateTheEndsAndCloseLast) {
  std::mt19937_64 rng(17);
  PlanLimits l;
  l.max_threads = 4;
  l.blocking_percent = 100;
  l.resize_percent = 12;
  l.big_write_percent = 50;
  l.max_big_write = 65536;
  l.signal_percent = 100;
  std::size_t resizes = 0, big = 0, writers = 0;
  for (int i = 0; i < 200; ++i) {
    const Plan p = random_plan(rng, l);
    EXPECT_TRUE(p.block_reads || p.block_writes);
    EXPECT_NE(p.signals, Signals::none);
    for (const ThreadPlan& t : p.threads) {
      EXPECT_NE(t.read_fd, t.write_fd);
      ASSERT_FALSE(t.calls.empty());
      EXPECT_EQ(t.calls.back().kind, OpKind::close);
      writers += t.write_fd ? 1 : 0;
      for (const PlannedCall& c : t.calls) {
        if (c.kind == OpKind::resize) ++resizes;
        if (c.kind == OpKind::write && c.len > 4096) ++big;
        if (c.kind == OpKind::write) {
          EXPECT_LE(c.len, 65536u);
        }
      }
    }
    EXPECT_TRUE(p.threads.back().read_fd);
    EXPECT_TRUE(p.threads.front().write_fd);
  }
  EXPECT_GT(resizes, 0u);
  EXPECT_GT(big, 0u);
  EXPECT_GT(writers, 200u);
}

}  // namespace
}  // namespace pipepool::lin
