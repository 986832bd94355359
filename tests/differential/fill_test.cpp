// Filling and draining: merging of small writes into the last page, slot use, partial
// non-blocking writes and the PIPE_BUF boundary, kernel vs pipepool.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

// 100-byte writes merge into pages until all 16 slots are full, then EAGAIN.
TEST(DifferentialFill, HundredByteWritesUntilEagain) {
  Differ d(0, 0, current_test_name());
  ASSERT_TRUE(d.run(repeat(W(100), 700)));
  EXPECT_EQ(d.last().err, EAGAIN);  // the scenario did reach a full pipe
  EXPECT_TRUE(d.run(cat({repeat(R(333), 250), {W(100)}})));
}

TEST(DifferentialFill, OneByteWritesFillWholePages) {
  Differ d(0, 0, current_test_name());
  ASSERT_TRUE(d.run(repeat(W(1), 4096 * 2 + 3)));
  EXPECT_TRUE(d.run({R(4096), R(1), W(4095), W(4096), R(100000)}));
}

TEST(DifferentialFill, MixedSizesUntilFull) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(7), 5),
                                {W(4095), W(4097), W(100), W(8192), W(1)},
                                repeat(W(12288), 6),
                                {W(1), R(5000), W(4096), W(1)},
                                repeat(R(4096), 20)})));
}

// Three pages offered, two slots free: the write takes what fits.
TEST(DifferentialFill, PartialWriteThreePagesIntoTwoSlots) {
  Differ d(0, 0, current_test_name());
  ASSERT_TRUE(d.run(cat({repeat(W(4096), 14), {W(3 * 4096)}})));
  EXPECT_EQ(d.last().ret, 2 * 4096);
  EXPECT_TRUE(d.run({W(1), R(4096), W(3 * 4096), R(100000)}));
}

TEST(DifferentialFill, PartialWriteWithMergeableTail) {
  EXPECT_TRUE(run_scenario(cat({{W(100)},
                                repeat(W(4096), 14),
                                {W(3 * 4096 + 50), W(50)},
                                {R(1), W(4000), R(200), W(200)}})));
}

TEST(DifferentialFill, ExactlyFullThenOneMore) {
  EXPECT_TRUE(run_scenario({W(65536), W(1), W(0), R(1), W(1), R(4095), W(4096), W(4097)}));
}

TEST(DifferentialFill, WriteLargerThanPipe) {
  EXPECT_TRUE(run_scenario({W(100000), W(100000), R(70000), W(100000), R(200000)}));
}

class DifferentialPipeBuf : public ::testing::TestWithParam<std::size_t> {};

// Writes around PIPE_BUF into an empty pipe, a pipe with a partial page, and a nearly full one.
TEST_P(DifferentialPipeBuf, AroundPipeBuf) {
  const std::size_t n = GetParam();
  EXPECT_TRUE(run_scenario(cat({{W(n), W(n), W(10), W(n), R(n + 3), W(n)},
                                repeat(W(n), 20),
                                {R(1), W(n), W(1)},
                                repeat(R(4096), 20)})));
}

INSTANTIATE_TEST_SUITE_P(Differential, DifferentialPipeBuf,
                         ::testing::Values(4095, 4096, 4097, 8191, 8192, 8193),
                         [](const auto& info) { return std::to_string(info.param); });

// Reads in sizes that cut pages, after merges.
TEST(DifferentialFill, DrainWithOddReads) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(1000), 30),
                                repeat(R(7), 10),
                                repeat(R(4097), 8),
                                {W(5000)},
                                repeat(R(333), 20),
                                {R(0), R(65536)}})));
}

// After a read empties part of the last page, writes still merge only at its end.
TEST(DifferentialFill, MergeAfterPartialRead) {
  EXPECT_TRUE(
      run_scenario({W(100), R(50), W(100), R(150), W(100), W(4000), R(1), W(4096), R(8192)}));
}

}  // namespace
}  // namespace pipepool::differential
