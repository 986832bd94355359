// tee(2) between two pipes, kernel vs pipepool: duplicated buffers, partial lengths, merging on
// either side, packets, errors. Slots 0/1: the first pipe; 2/3: the second.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

constexpr unsigned kNb = SPLICE_F_NONBLOCK;

TEST(DifferentialTee, DuplicatesWithoutConsuming) {
  EXPECT_TRUE(run_two_pipes({W(100), W(5000), Tee(0, 3, 1000000), R(100000, 2), R(50, 0),
                             Tee(0, 3, 1000000), R(100000, 2), R(100000, 0)}));
}

TEST(DifferentialTee, PartialLength) {
  EXPECT_TRUE(run_two_pipes({W(100), W(100), Tee(0, 3, 150), R(1000, 2), Tee(0, 3, 30),
                             Tee(0, 3, 30), R(1000, 2), R(1000, 0)}));
}

// The input buffer keeps taking merges after a tee; the copy in the output never does.
TEST(DifferentialTee, WriteAfterTee) {
  EXPECT_TRUE(run_two_pipes({Resize(4096, 1), Resize(4096, 3), W(10), Tee(0, 3, 100), W(10),
                             W(10, 3), R(1000, 2), W(10, 3), R(1000, 0), R(1000, 2)}));
}

TEST(DifferentialTee, Packets) {
  EXPECT_TRUE(run_two_pipes(
      {W(100), W(100), Tee(0, 3, 130), R(10, 2), R(100, 2), R(100, 2), R(100, 0), R(100, 0)},
      O_DIRECT));
}

TEST(DifferentialTee, VmsplicedBuffers) {
  EXPECT_TRUE(
      run_two_pipes({Vms({5000}, 1, kNb, 10), Tee(0, 3, 100000), R(100000, 2), R(100000, 0)}));
}

TEST(DifferentialTee, FullAndEmpty) {
  EXPECT_TRUE(run_two_pipes({Tee(0, 3, 10), Tee(0, 3, 10, kNb), Resize(4096, 3), W(5000, 3), W(10),
                             Tee(0, 3, 10), R(100000, 2), Tee(0, 3, 10), W(70000), Resize(65536, 3),
                             Tee(0, 3, 1000000), R(100000, 2)}));
}

TEST(DifferentialTee, EndsClosed) {
  EXPECT_TRUE(run_two_pipes({W(10), Close(2), Tee(0, 3, 10), Close(1), Tee(0, 3, 10)}));
  EXPECT_TRUE(run_two_pipes({Close(1), Tee(0, 3, 10)}));
}

TEST(DifferentialTee, Errors) {
  const int bad = unused_fd();
  EXPECT_TRUE(run_two_pipes(
      {W(10), Tee(1, 3, 10), Tee(0, 2, 10), Tee(0, 1, 10), Tee(0, 0, 10), Tee(1, 1, 10),
       Tee(0, 3, 10, 0x100), Tee(0, 3, 0, 0x100), Tee(0, 3, 0), OnRaw(Tee(0, 3, 10), bad),
       OnRaw(Tee(0, 3, 0), bad), OnRaw(Tee(0, 3, 0, 0x100), bad),
       Tee(0, 3, 5, SPLICE_F_MOVE | SPLICE_F_MORE | SPLICE_F_GIFT), R(100, 2), R(100, 0)}));
}

}  // namespace
}  // namespace pipepool::differential
