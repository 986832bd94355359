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
