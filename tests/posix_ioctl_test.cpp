// ioctl on pipes: FIONREAD, the generic FIONBIO / FIOCLEX / FIONCLEX, unknown requests.
#include <termios.h>

#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixIoctlTest : public PipeOpsTest {};

TEST_P(PosixIoctlTest, FionreadCountsBufferedBytesOnBothEnds) {
  OpsPipe p(ops(), O_NONBLOCK);
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 0);
  std::vector<char> data(10000, 'x');
  ASSERT_EQ(ops().write(p.w(), data.data(), 10), 10);
  ASSERT_EQ(ops().write(p.w(), data.data(), data.size()), 10000);
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 10010);
  n = -1;
  EXPECT_EQ(ops().ioctl(p.w(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 10010);
  ASSERT_EQ(ops().read(p.r(), data.data(), 4000), 4000);
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 6010);
}

TEST_P(PosixIoctlTest, FionreadCountsPacketsByBytes) {
  OpsPipe p(ops(), O_NONBLOCK | O_DIRECT);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "de", 2), 2);
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 5);
}

TEST_P(PosixIoctlTest, NullArgumentIsEfault) {
  OpsPipe p(ops());
  EXPECT_ERRNO(EFAULT, ops().ioctl(p.r(), FIONREAD, nullptr));
  EXPECT_ERRNO(EFAULT, ops().ioctl(p.w(), FIONBIO, nullptr));
}

TEST_P(PosixIoctlTest, UnknownRequestIsEnotty) {
  OpsPipe p(ops());
  int n = 0;
  termios t{};
  EXPECT_ERRNO(ENOTTY, ops().ioctl(p.r(), 0x12345678UL, &n));
  EXPECT_ERRNO(ENOTTY, ops().ioctl(p.w(), TCGETS, &t));
  EXPECT_ERRNO(ENOTTY, ops().ioctl(p.r(), FIOQSIZE, &n));
  EXPECT_ERRNO(ENOTTY, ops().ioctl(p.r(), 0x12345678UL, nullptr));
}

TEST_P(PosixIoctlTest, RequestIsAnUnsignedInt) {
  // The upper half of the request word is ignored.
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "ab", 2), 2);
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), (1UL << 32) | FIONREAD, &n), 0);
  EXPECT_EQ(n, 2);
}

TEST_P(PosixIoctlTest, FionbioSetsAndClearsNonblock) {
  OpsPipe p(ops());
  int on = 1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONBIO, &on), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK);
  char buf[4];
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
  on = 0;
  EXPECT_EQ(ops().ioctl(p.r(), FIONBIO, &on), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY);
}

TEST_P(PosixIoctlTest, FioclexAndFionclexSetTheDescriptorFlag) {
  OpsPipe p(ops());
  EXPECT_EQ(ops().ioctl(p.w(), FIOCLEX), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), 0);
  EXPECT_EQ(ops().ioctl(p.w(), FIONCLEX), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), 0);
}

PIPE_OPS_INSTANTIATE(PosixIoctlTest);

// Signal-driven I/O is not modelled: pipepool answers FIOASYNC "on" as the kernel does for a file
// without fasync (ENOTTY); "off" is a no-op.
TEST(PosixIoctlPipepoolTest, FioasyncOnIsEnotty) {
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, 0), 0);
  int on = 1;
  EXPECT_ERRNO(ENOTTY, pp_ioctl(fds[0], FIOASYNC, &on));
  on = 0;
  EXPECT_EQ(pp_ioctl(fds[0], FIOASYNC, &on), 0);
  EXPECT_ERRNO(EFAULT, pp_ioctl(fds[0], FIOASYNC, nullptr));
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
