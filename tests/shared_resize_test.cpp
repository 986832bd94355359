// F_SETPIPE_SZ / F_GETPIPE_SZ on a shared pipe: the kernel's rounding, EPERM above pipe-max-size,
// EBUSY when the contents do not fit; a size set in the child is the parent's too, with the
// contents kept in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedResize, KernelRulesAndSharedAcrossFork) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED | O_NONBLOCK), 0);
  EXPECT_EQ(pp_fcntl(fds[0], F_GETPIPE_SZ), 65536);
  EXPECT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, 100), 4096);
  EXPECT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, 5000), 8192);
  errno = 0;
  EXPECT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, 2 << 20), -1);
  EXPECT_EQ(errno, EPERM);
  std::vector<std::uint8_t> data(3 * 4096);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = pattern(i, 5);
  ASSERT_EQ(pp_write(fds[1], data.data(), 4096), 4096);
  ASSERT_EQ(pp_write(fds[1], data.data() + 4096, 4096), 4096);
  errno = 0;
  EXPECT_EQ(pp_fcntl(fds[1], F_SETPIPE_SZ, 4096), -1);
  EXPECT_EQ(errno, EBUSY);
  const pid_t child = spawn_child([&] {
    SHARED_CHILD_CHECK(pp_fcntl(fds[0], F_SETPIPE_SZ, 1 << 20) == 1 << 20);
    return 0;
  });
  ASSERT_EQ(wait_child(child), 0);
  EXPECT_EQ(pp_fcntl(fds[1], F_GETPIPE_SZ), 1 << 20);
  ASSERT_EQ(pp_write(fds[1], data.data() + 8192, 4096), 4096);
  int avail = 0;
  EXPECT_EQ(pp_ioctl(fds[0], FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 3 * 4096);
  std::vector<std::uint8_t> got(data.size() + 1);
  EXPECT_EQ(pp_read(fds[0], got.data(), got.size()), static_cast<ssize_t>(data.size()));
  got.resize(data.size());
  EXPECT_EQ(got, data);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
