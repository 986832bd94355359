// Packet mode (O_DIRECT): pipe2 flag, F_SETFL on either end, short reads, kernel vs pipepool.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

TEST(DifferentialPacket, ShortReadsDropTheRest) {
  EXPECT_TRUE(run_scenario({W(100), W(200), W(5), R(50), R(50), R(1000), R(10)}, O_DIRECT));
}

TEST(DifferentialPacket, LargeWritesSplitIntoPagePackets) {
  EXPECT_TRUE(run_scenario({W(10000), R(100), R(5000), R(4096), R(4096), R(10)}, O_DIRECT));
}

TEST(DifferentialPacket, SmallPacketsUseOneSlotEach) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(1), 20), repeat(R(4096), 20)}), O_DIRECT));
}

TEST(DifferentialPacket, ReadvAcrossSegments) {
  EXPECT_TRUE(run_scenario({W(300), W(300), Rv({100, 0, 100}), Rv({0, 500}), R(1)}, O_DIRECT));
}

TEST(DifferentialPacket, ZeroLengthPacketWrite) {
  EXPECT_TRUE(run_scenario({W(0), R(10), W(1), W(0), R(10), R(10)}, O_DIRECT));
}

// Switching the write end's O_DIRECT changes how later writes are stored; earlier buffers keep
// their mode.
TEST(DifferentialPacket, ToggleOnWriteEnd) {
  EXPECT_TRUE(run_scenario({W(100), W(100), SetFl(1, O_NONBLOCK | O_DIRECT), W(100), W(100),
                            SetFl(1, O_NONBLOCK), W(100), W(100), R(50), R(150), R(50), R(50),
                            R(1000), R(1000)}));
}

TEST(DifferentialPacket, ClearOnPacketPipe) {
  EXPECT_TRUE(
      run_scenario({W(10), SetFl(1, O_NONBLOCK), W(10), W(10), R(5), R(100), R(100)}, O_DIRECT));
}

// O_DIRECT on the read end: accepted or not, and no effect on the data's packet flags.
TEST(DifferentialPacket, SetOnReadEnd) {
  EXPECT_TRUE(run_scenario({SetFl(0, O_NONBLOCK | O_DIRECT), W(100), W(100), R(50), R(1000),
                            SetFl(0, O_NONBLOCK), R(10)}));
}

TEST(DifferentialPacket, DupSharesTheFlag) {
  EXPECT_TRUE(run_scenario({Dup(1), SetFl(2, O_NONBLOCK | O_DIRECT), W(10, 1), W(10, 2), R(3),
                            R(30), Close(2), W(7), R(1)}));
}

TEST(DifferentialPacket, FullInPacketMode) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(10), 17), {R(1)}, repeat(W(5000), 2), repeat(R(100), 18)}),
                           O_DIRECT));
}

}  // namespace
}  // namespace pipepool::differential
