// EBADF: descriptors that are not open, and the wrong end of a pipe.
#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixBadFdTest : public PipeOpsTest {
 protected:
  // A descriptor number that was open a moment ago and is closed now.
  int closed_fd() {
    OpsPipe p(ops());
    return p.w();  // closed by ~OpsPipe
  }

  void expect_every_call_ebadf(int fd) {
    char buf[8] = {};
    iovec v{buf, sizeof buf};
    int n = 0;
    EXPECT_ERRNO(EBADF, ops().read(fd, buf, sizeof buf));
    EXPECT_ERRNO(EBADF, ops().read(fd, buf, 0));
    EXPECT_ERRNO(EBADF, ops().write(fd, buf, sizeof buf));
    EXPECT_ERRNO(EBADF, ops().write(fd, buf, 0));
    EXPECT_ERRNO(EBADF, ops().readv(fd, &v, 1));
    EXPECT_ERRNO(EBADF, ops().readv(fd, nullptr, -1));
    EXPECT_ERRNO(EBADF, ops().writev(fd, &v, 1));
    EXPECT_ERRNO(EBADF, ops().writev(fd, nullptr, 5000));
    EXPECT_ERRNO(EBADF, ops().close(fd));
    EXPECT_ERRNO(EBADF, ops().dup(fd));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, F_GETFL));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, F_GETFD));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, F_DUPFD, 0));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, F_GETPIPE_SZ));
    EXPECT_ERRNO(EBADF, ops().fcntl(fd, 12345));  // the descriptor is checked before the command
    EXPECT_ERRNO(EBADF, ops().ioctl(fd, FIONREAD, &n));
    EXPECT_ERRNO(EBADF, ops().ioctl(fd, FIONREAD, nullptr));
    EXPECT_ERRNO(EBADF, ops().ioctl(fd, 0x12345678UL, &n));
  }
};

TEST_P(PosixBadFdTest, NegativeDescriptor) {
  expect_every_call_ebadf(-1);
  expect_every_call_ebadf(-1000);
}

TEST_P(PosixBadFdTest, DescriptorBeyondTheTable) {
  expect_every_call_ebadf(1 << 24);
  expect_every_call_ebadf(0x7fffffff);
}

TEST_P(PosixBadFdTest, ClosedDescriptor) {
  expect_every_call_ebadf(closed_fd());
}

TEST_P(PosixBadFdTest, CloseTwice) {
  int fds[2];
  ASSERT_EQ(ops().pipe2(fds, 0), 0);
  EXPECT_EQ(ops().close(fds[0]), 0);
  EXPECT_ERRNO(EBADF, ops().close(fds[0]));
  EXPECT_EQ(ops().close(fds[1]), 0);
  EXPECT_ERRNO(EBADF, ops().close(fds[1]));
}

TEST_P(PosixBadFdTest, ReadOnTheWriteEnd) {
  OpsPipe p(ops());
  char buf[4] = {};
  iovec v{buf, sizeof buf};
  EXPECT_ERRNO(EBADF, ops().read(p.w(), buf, sizeof buf));
  EXPECT_ERRNO(EBADF, ops().read(p.w(), buf, 0));
  EXPECT_ERRNO(EBADF, ops().read(p.w(), nullptr, 0));
  EXPECT_ERRNO(EBADF, ops().read(p.w(), nullptr, 10));
  EXPECT_ERRNO(EBADF, ops().readv(p.w(), &v, 1));
  // The access mode is checked before the iovec arguments.
  EXPECT_ERRNO(EBADF, ops().readv(p.w(), nullptr, 1));
  EXPECT_ERRNO(EBADF, ops().readv(p.w(), &v, -1));
  EXPECT_ERRNO(EBADF, ops().readv(p.w(), nullptr, 0));
}

TEST_P(PosixBadFdTest, WriteOnTheReadEnd) {
  OpsPipe p(ops());
  char buf[4] = {'a', 'b', 'c', 'd'};
  iovec v{buf, sizeof buf};
  EXPECT_ERRNO(EBADF, ops().write(p.r(), buf, sizeof buf));
  EXPECT_ERRNO(EBADF, ops().write(p.r(), buf, 0));
  EXPECT_ERRNO(EBADF, ops().write(p.r(), nullptr, 10));
  EXPECT_ERRNO(EBADF, ops().writev(p.r(), &v, 1));
  EXPECT_ERRNO(EBADF, ops().writev(p.r(), nullptr, 1));
  EXPECT_ERRNO(EBADF, ops().writev(p.r(), &v, 2000));
  // Nothing reached the pipe.
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 0);
}

TEST_P(PosixBadFdTest, WrongEndStaysWrongAfterOtherEndCloses) {
  OpsPipe p(ops());
  char buf[4] = {};
  p.close_read();
  EXPECT_ERRNO(EBADF, ops().read(p.w(), buf, sizeof buf));
}

TEST_P(PosixBadFdTest, DupOutlivesTheOriginal) {
  OpsPipe p(ops());
  OpsFd copy(ops(), ops().dup(p.w()));
  ASSERT_GE(copy.get(), 0);
  p.close_write();
  // The original number is gone; the duplicate still writes into the same pipe.
  EXPECT_ERRNO(EBADF, ops().write(p.w(), "x", 1));
  EXPECT_EQ(ops().write(copy.get(), "xyz", 3), 3);
  char buf[8] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 3);
  EXPECT_STREQ(buf, "xyz");
}

TEST_P(PosixBadFdTest, ClosedDupIsBadButOriginalStillWorks) {
  OpsPipe p(ops());
  const int copy = ops().dup(p.r());
  ASSERT_GE(copy, 0);
  EXPECT_EQ(ops().close(copy), 0);
  char buf[4] = {};
  EXPECT_ERRNO(EBADF, ops().read(copy, buf, sizeof buf));
  EXPECT_ERRNO(EBADF, ops().fcntl(copy, F_GETFL));
  EXPECT_EQ(ops().write(p.w(), "ab", 2), 2);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 2);
}

TEST_P(PosixBadFdTest, PollReportsNvalForAClosedDescriptor) {
  const int fd = closed_fd();
  pollfd pfd{fd, POLLIN | POLLOUT, 0x7777};
  EXPECT_EQ(ops().poll(&pfd, 1, 0), 1);
  EXPECT_EQ(pfd.revents, POLLNVAL);
}

PIPE_OPS_INSTANTIATE(PosixBadFdTest);

}  // namespace
}  // namespace pipepool::testing
