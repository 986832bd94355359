// splice(2) between two pipes, kernel vs pipepool: whole and partial buffers, merging after a
// splice, packets, blocking rules and errors. Slots 0/1: the first pipe; 2/3: the second.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

constexpr unsigned kNb = SPLICE_F_NONBLOCK;

TEST(DifferentialSplice, MovesBuffers) {
  EXPECT_TRUE(run_two_pipes({W(100), W(5000), Spl(0, 3, 1000000), R(10000, 2), W(7), Spl(0, 3, 3),
                             Spl(0, 3, 3), R(2, 0), R(100, 2)}));
}

TEST(DifferentialSplice, PartialBuffers) {
  EXPECT_TRUE(run_two_pipes(
      {W(100), Spl(0, 3, 30), Spl(0, 3, 30), R(10, 0), R(100, 2), Spl(0, 3, 100), R(100, 2)}));
}

// A buffer moved whole keeps the write's merge flag in the kernel: a write into a one-slot output
// pipe still fits. A part of a buffer never takes merges.
TEST(DifferentialSplice, WriteAfterSplice) {
  EXPECT_TRUE(run_two_pipes({Resize(4096, 3), W(100), Spl(0, 3, 100), W(10, 3), W(10, 3),
                             R(1000, 2), W(100), Spl(0, 3, 30), W(10, 3), R(1000, 2), W(10, 3),
                             R(1000, 2), R(1000, 0)}));
}

TEST(DifferentialSplice, VmsplicedBuffers) {
  EXPECT_TRUE(run_two_pipes(
      {Vms({6000}, 1, kNb, 50), Spl(0, 3, 100), Spl(0, 3, 10000), W(10, 3), R(10000, 2)}));
}

TEST(DifferentialSplice, Packets) {
  EXPECT_TRUE(run_two_pipes(
      {W(100), W(100), Spl(0, 3, 30), R(10, 0), R(100, 2), Spl(0, 3, 1000), R(10, 2), R(100, 2)},
      O_DIRECT));
}

TEST(DifferentialSplice, FullAndEmpty) {
  EXPECT_TRUE(run_two_pipes({Spl(0, 3, 10), Spl(0, 3, 10, kNb), Resize(4096, 3), W(5000, 3), W(10),
                             Spl(0, 3, 10), R(100000, 2), Spl(0, 3, 10), W(70000), Resize(65536, 3),
                             Spl(0, 3, 1000000), R(100000, 2)}));
}

TEST(DifferentialSplice, EndsClosed) {
  EXPECT_TRUE(run_two_pipes({W(10), Close(2), Spl(0, 3, 10), Close(1), Spl(0, 3, 10)}));
  EXPECT_TRUE(run_two_pipes({Close(1), Spl(0, 3, 10), Close(2), Spl(0, 3, 10)}));
}

TEST(DifferentialSplice, Errors) {
  const int bad = unused_fd();
  EXPECT_TRUE(run_two_pipes(
      {W(10), Spl(1, 3, 10), Spl(0, 2, 10), Spl(0, 1, 10), Spl(2, 1, 10), Spl(0, 3, 10, 0x100),
       Spl(0, 3, 0, 0x100), Spl(0, 3, 10, 0, 1), Spl(0, 3, 10, 0, 2), Spl(1, 3, 10, 0, 1),
       Spl(0, 0, 10), Spl(0, 3, 0, 0, 3), OnRaw(Spl(0, 3, 10), bad),
       OnRaw(Spl(0, 3, 10, 0x100), bad), OnRaw(Spl(0, 3, 0), bad),
       Spl(0, 3, 10, SPLICE_F_MOVE | SPLICE_F_MORE | SPLICE_F_GIFT), R(100, 2)}));
}

}  // namespace
}  // namespace pipepool::differential
