// Zero-length reads and writes (also with NULL buffers and empty iovecs) in every pipe state.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

Op null_op(Op op) {
  op.null_buf = true;
  return op;
}
Op null_base(Op op, int index) {
  op.null_base = index;
  return op;
}

TEST(DifferentialZeroLength, EmptyPipe) {
  EXPECT_TRUE(run_scenario(
      {W(0), R(0), null_op(W(0)), null_op(R(0)), Wv({}), Rv({}), Wv({0, 0}), Rv({0, 0, 0})}));
}

TEST(DifferentialZeroLength, FullPipe) {
  EXPECT_TRUE(run_scenario(
      cat({repeat(W(4096), 16), {W(0), null_op(W(0)), Wv({0}), R(0), null_op(R(0)), Rv({0})}})));
}

TEST(DifferentialZeroLength, WithData) {
  EXPECT_TRUE(run_scenario({W(10), R(0), null_op(R(0)), Rv({0, 0}), R(10), R(0)}));
}

TEST(DifferentialZeroLength, AfterWriterClosed) {
  EXPECT_TRUE(run_scenario({Close(1), R(0), null_op(R(0)), Rv({})}));
}

TEST(DifferentialZeroLength, AfterReaderClosed) {
  EXPECT_TRUE(run_scenario({Close(0), W(0), null_op(W(0)), Wv({}), Wv({0, 0})}));
}

TEST(DifferentialZeroLength, PacketMode) {
  EXPECT_TRUE(run_scenario({W(0), R(0), W(5), R(0), R(0), R(10), Wv({0, 0}), R(1)}, O_DIRECT));
}

// Zero-length segments are skipped whatever their base, also next to good ones.
TEST(DifferentialZeroLength, NullBaseSegment) {
  EXPECT_TRUE(run_scenario({null_base(Wv({10, 0, 10}), 1), null_base(Rv({3, 0, 30}), 1),
                            null_base(Wv({0}), 0), null_base(Rv({0, 5}), 0), R(10)}));
}

}  // namespace
}  // namespace pipepool::differential
