// Descriptors: wrong end, closed and never-opened numbers (EBADF), dup and closing one of the
// dups, kernel vs pipepool.
#include <gtest/gtest.h>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

TEST(DifferentialDescriptor, WrongEnd) {
  EXPECT_TRUE(run_scenario(
      {W(10, 0), R(10, 1), Wv({1}, 0), Rv({1}, 1), W(0, 0), R(0, 1), W(5), R(10, 1), R(10)}));
}

// An op right after close uses the stale number: nothing opens in between.
TEST(DifferentialDescriptor, ClosedWriteEnd) {
  EXPECT_TRUE(
      run_scenario({Close(1), W(10, 1), R(1, 1), Fcntl(1, F_GETFL), Close(1), Dup(1), R(1)}));
}

TEST(DifferentialDescriptor, ClosedReadEnd) {
  EXPECT_TRUE(
      run_scenario({W(10), Close(0), R(10, 0), Rv({1}, 0), Resize(8192, 0), Close(0), W(1)}));
}

TEST(DifferentialDescriptor, NeverOpened) {
  const int fd = unused_fd();
  EXPECT_TRUE(run_scenario({InSpace(OnRaw(W(1), fd)), InSpace(OnRaw(R(1), fd)),
                            InSpace(OnRaw(Wv({1}), fd)), InSpace(OnRaw(Rv({1}), fd)),
                            InSpace(OnRaw(Close(0), fd)), InSpace(OnRaw(Dup(0), fd)),
                            InSpace(OnRaw(Fcntl(0, F_GETFL), fd)), InSpace(OnRaw(Resize(4096), fd)),
                            OnRaw(W(1), -1), OnRaw(R(1), -1), OnRaw(Close(0), -1)}));
}

TEST(DifferentialDescriptor, DupBothEndsCloseOriginals) {
  EXPECT_TRUE(run_scenario({Dup(0), Dup(1), W(10, 1), Close(1), W(10, 3), Close(0), R(5, 2),
                            R(100, 2), Close(3), R(1, 2)}));
}

TEST(DifferentialDescriptor, DupSharesStatusFlags) {
  EXPECT_TRUE(run_scenario({Dup(1), SetFl(2, O_NONBLOCK | O_DIRECT), Fcntl(1, F_GETFL),
                            SetFl(1, O_NONBLOCK), Fcntl(2, F_GETFL), Dup(0), Resize(8192, 3)}));
}

TEST(DifferentialDescriptor, ManyDupsClosedInTurn) {
  std::vector<Op> ops;
  for (int i = 0; i < 10; ++i) ops.push_back(Dup(i % 2));
  for (int s = 2; s < 12; ++s) ops.push_back(W(3, s % 2 ? s : 1));
  for (int s = 11; s >= 2; --s) ops.push_back(Close(s));
  ops.push_back(R(100));
  EXPECT_TRUE(run_scenario(ops));
}

TEST(DifferentialDescriptor, FdFlags) {
  EXPECT_TRUE(run_scenario({Fcntl(0, F_GETFD), Fcntl(1, F_SETFD, FD_CLOEXEC), Fcntl(1, F_GETFD),
                            Dup(1), Fcntl(2, F_GETFD)},
                           O_CLOEXEC));
}

}  // namespace
}  // namespace pipepool::differential
