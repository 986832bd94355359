// pipe2 flags: what is accepted, what F_GETFL / F_GETFD report on each end afterwards.
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixPipe2FlagsTest : public PipeOpsTest {};

TEST_P(PosixPipe2FlagsTest, PlainPipeEndsReportAccessModeOnly) {
  OpsPipe p(ops());
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), 0);
}

TEST_P(PosixPipe2FlagsTest, PipeIsPipe2WithoutFlags) {
  int fds[2] = {-1, -1};
  ASSERT_EQ(is_kernel() ? ::pipe(fds) : pp_pipe(fds), 0);
  EXPECT_NE(fds[0], fds[1]);
  EXPECT_EQ(ops().fcntl(fds[0], F_GETFL), O_RDONLY);
  EXPECT_EQ(ops().fcntl(fds[1], F_GETFL), O_WRONLY);
  EXPECT_EQ(ops().close(fds[0]), 0);
  EXPECT_EQ(ops().close(fds[1]), 0);
}

TEST_P(PosixPipe2FlagsTest, NonblockIsSetOnBothEnds) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY | O_NONBLOCK);
}

TEST_P(PosixPipe2FlagsTest, DirectIsSetOnTheWriteEndOnly) {
  OpsPipe p(ops(), O_DIRECT);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY | O_DIRECT);
}

TEST_P(PosixPipe2FlagsTest, CloexecSetsTheDescriptorFlagNotTheStatusFlags) {
  OpsPipe p(ops(), O_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY);
}

TEST_P(PosixPipe2FlagsTest, AllFlagsTogether) {
  OpsPipe p(ops(), O_NONBLOCK | O_DIRECT | O_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), FD_CLOEXEC);
}

TEST_P(PosixPipe2FlagsTest, OtherFlagsAreEinvalAndLeaveFdsUntouched) {
  for (const int flag : {O_APPEND, O_RDWR, O_WRONLY, O_CREAT, O_TRUNC, O_ASYNC, O_NOATIME, O_SYNC,
                         O_NOFOLLOW, 1 << 30}) {
    int fds[2] = {-7, -7};
    EXPECT_ERRNO(EINVAL, ops().pipe2(fds, flag));
    EXPECT_EQ(fds[0], -7) << flag;
    EXPECT_EQ(fds[1], -7) << flag;
    EXPECT_ERRNO(EINVAL, ops().pipe2(fds, O_NONBLOCK | flag));
  }
}

TEST_P(PosixPipe2FlagsTest, NullArrayIsEfaultAfterTheFlagsCheck) {
  EXPECT_ERRNO(EFAULT, ops().pipe2(nullptr, 0));
  EXPECT_ERRNO(EFAULT, ops().pipe2(nullptr, O_NONBLOCK | O_DIRECT | O_CLOEXEC));
  EXPECT_ERRNO(EINVAL, ops().pipe2(nullptr, O_APPEND));
}

TEST_P(PosixPipe2FlagsTest, EfaultLeavesNoDescriptorBehind) {
  // The descriptors reserved before the copy-out failed are free again: the next pipe gets the
  // same numbers as a pipe made just before.
  int before[2];
  ASSERT_EQ(ops().pipe2(before, 0), 0);
  ASSERT_EQ(ops().close(before[0]), 0);
  ASSERT_EQ(ops().close(before[1]), 0);
  EXPECT_ERRNO(EFAULT, ops().pipe2(nullptr, 0));
  OpsPipe after(ops());
  EXPECT_EQ(after.r(), before[0]);
  EXPECT_EQ(after.w(), before[1]);
}

TEST_P(PosixPipe2FlagsTest, NotificationPipeIsNotAvailable) {
  // O_NOTIFICATION_PIPE (O_EXCL) needs CONFIG_WATCH_QUEUE; pipepool behaves as a kernel without
  // it, so this compares only where the kernel lacks it too.
  int probe[2];
  if (::pipe2(probe, O_EXCL) == 0) {
    ::close(probe[0]);
    ::close(probe[1]);
    GTEST_SKIP() << "this kernel has notification pipes";
  }
  int fds[2];
  EXPECT_ERRNO(ENOPKG, ops().pipe2(fds, O_EXCL));
  EXPECT_ERRNO(ENOPKG, ops().pipe2(nullptr, O_EXCL));
  EXPECT_ERRNO(EINVAL, ops().pipe2(fds, O_EXCL | O_APPEND));
}

TEST_P(PosixPipe2FlagsTest, DescriptorsAreTheLowestFree) {
  OpsPipe a(ops());
  OpsPipe b(ops());
  EXPECT_LT(a.r(), a.w());
  EXPECT_LT(b.r(), b.w());
  const int freed = a.r();
  a.close_read();
  // The lowest free descriptor is the one just closed, the next one is above everything open.
  int fds[2];
  ASSERT_EQ(ops().pipe2(fds, 0), 0);
  EXPECT_EQ(fds[0], freed);
  EXPECT_GT(fds[1], b.w());
  EXPECT_EQ(ops().close(fds[0]), 0);
  EXPECT_EQ(ops().close(fds[1]), 0);
}

PIPE_OPS_INSTANTIATE(PosixPipe2FlagsTest);

}  // namespace
}  // namespace pipepool::testing
