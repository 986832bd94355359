// F_SETPIPE_SZ / F_GETPIPE_SZ: rounding, limits (EPERM above pipe-max-size, EINVAL above 2^31),
// EBUSY with data inside, contents kept across a resize, kernel vs pipepool.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

class DifferentialResizeSize : public ::testing::TestWithParam<long> {};

// Each size on an empty pipe (write end, then read end), then a fill to see the capacity.
TEST_P(DifferentialResizeSize, EmptyPipe) {
  const long n = GetParam();
  EXPECT_TRUE(
      run_scenario(cat({{Resize(n, 1), Resize(n, 0)}, repeat(W(4096), 20), repeat(R(4096), 20)})));
}

INSTANTIATE_TEST_SUITE_P(Differential, DifferentialResizeSize,
                         ::testing::Values(0L, 1L, 4095L, 4096L, 4097L, 5000L, 8192L, 65535L,
                                           65536L, 65537L, 1L << 20, (1L << 20) + 1, 1L << 21,
                                           INT_MAX, -1L, -4096L, 1L << 31, (1L << 31) + 1, 1L << 32,
                                           (1L << 32) + 4096),
                         [](const auto& info) {
                           const long v = info.param;
                           return (v < 0 ? "minus" + std::to_string(-v) : std::to_string(v));
                         });

// Shrinking below the occupied slot count fails with EBUSY and keeps everything.
TEST(DifferentialResize, BusyWithData) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(4096), 5),
                                {Resize(4096), Resize(8192), Resize(16384), Resize(32768), R(4096),
                                 R(4096), Resize(16384), Resize(8192)},
                                repeat(R(4096), 5)})));
}

// Merged small writes occupy one slot: shrinking to one page succeeds.
TEST(DifferentialResize, ShrinkKeepsMergedPage) {
  EXPECT_TRUE(run_scenario({W(100), W(100), Resize(4096), W(4096), W(3000), R(150), W(10),
                            R(100000), Resize(65536), W(65536)}));
}

TEST(DifferentialResize, GrowWithDataKeepsOrder) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(4000), 16),
                                {W(4096), Resize(1 << 20)},
                                repeat(W(65536), 17),
                                {R(1), R(100000)},
                                repeat(R(65536), 17)})));
}

// A wrapped ring (tail not at slot 0) resized in both directions.
TEST(DifferentialResize, WrappedRing) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(4096), 12),
                                repeat(R(4096), 10),
                                repeat(W(4096), 10),
                                {Resize(131072), W(8192), Resize(65536), Resize(16384)},
                                repeat(R(4096), 16)})));
}

TEST(DifferentialResize, OnePagePipe) {
  EXPECT_TRUE(
      run_scenario({Resize(4096), W(4097), W(1), R(10), W(4096), W(1), R(5000), W(4096), R(1)}));
}

TEST(DifferentialResize, PacketPipeResize) {
  EXPECT_TRUE(run_scenario(
      cat({repeat(W(10), 4), {Resize(8192), Resize(16384), R(100), Resize(8192), R(1), R(100)}}),
      O_DIRECT));
}

TEST(DifferentialResize, AfterWriterClosed) {
  EXPECT_TRUE(run_scenario({W(100), Close(1), Resize(4096, 0), Resize(1 << 21, 0), R(1000), R(1)}));
}

}  // namespace
}  // namespace pipepool::differential
