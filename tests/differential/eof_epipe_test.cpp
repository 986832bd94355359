// End of file and broken pipe: closing either end (and dups of it), kernel vs pipepool.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

TEST(DifferentialEof, EmptyPipeAfterWriterClosed) {
  EXPECT_TRUE(run_scenario({Close(1), R(10), R(0), Rv({5, 5}), R(10)}));
}

TEST(DifferentialEof, DataDrainedThenEof) {
  EXPECT_TRUE(run_scenario({W(5000), W(10), Close(1), R(100), R(100000), R(1), R(1)}));
}

TEST(DifferentialEof, DupKeepsWriterAlive) {
  EXPECT_TRUE(
      run_scenario({Dup(1), W(10), Close(1), R(100), R(1), W(5, 2), Close(2), R(100), R(100)}));
}

TEST(DifferentialEof, PacketDataThenEof) {
  EXPECT_TRUE(run_scenario({W(10), W(20), Close(1), R(5), R(5), R(5)}, O_DIRECT));
}

TEST(DifferentialEpipe, WriteAfterReaderClosed) {
  EXPECT_TRUE(run_scenario(
      {W(10), Close(0), W(10), W(0), Wv({1, 2}), W(100000), Resize(8192), Resize(4096)}));
}

TEST(DifferentialEpipe, DupKeepsReaderAlive) {
  EXPECT_TRUE(run_scenario({Dup(0), Close(0), W(10), R(5, 2), Close(2), W(10), W(0)}));
}

TEST(DifferentialEpipe, FullPipeThenReaderClosed) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(4096), 16), {W(1), Close(0), W(1), W(4096)}})));
}

}  // namespace
}  // namespace pipepool::differential
