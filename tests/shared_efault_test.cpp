// A shared pipe's read or write with a segment the copy would fault on (based in the first page)
// fails with EFAULT before it touches the pipe: nothing is written, nothing is consumed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <string>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedEfault, AFaultingSegmentFailsTheCallAndMovesNoByte) {
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  char data[5] = {'a', 'b', 'c', 'd', 'e'};
  iovec bad_write[2] = {{data, sizeof data}, {reinterpret_cast<void*>(16), 10}};
  errno = 0;
  EXPECT_EQ(pp_writev(fds[1], bad_write, 2), -1);
  EXPECT_EQ(errno, EFAULT);
  int avail = -1;
  ASSERT_EQ(pp_ioctl(fds[0], FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 0);

  ASSERT_EQ(pp_write(fds[1], data, sizeof data), 5);
  char got[5] = {};
  iovec bad_read[2] = {{got, 2}, {nullptr, 3}};
  errno = 0;
  EXPECT_EQ(pp_readv(fds[0], bad_read, 2), -1);
  EXPECT_EQ(errno, EFAULT);
  ASSERT_EQ(pp_ioctl(fds[0], FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 5);
  ASSERT_EQ(pp_read(fds[0], got, sizeof got), 5);
  EXPECT_EQ(std::string(got, 5), "abcde");
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
