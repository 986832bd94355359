// O_NONBLOCK on a shared pipe between processes: the child fills the ring until EAGAIN; the
// parent then finds it full (EAGAIN on write, FIONREAD 64 KiB), drains it and gets EAGAIN on the
// empty pipe while a write end is still open.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedNonblock, EagainOnFullAndEmptyAcrossProcesses) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED | O_NONBLOCK), 0);
  const pid_t child = spawn_child([&] {
    std::vector<std::uint8_t> chunk(1024);  // four merge into each page
    std::size_t total = 0;
    for (;;) {
      for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern(total + i);
      const ssize_t n = pp_write(fds[1], chunk.data(), chunk.size());
      if (n < 0) break;
      total += static_cast<std::size_t>(n);
    }
    SHARED_CHILD_CHECK(errno == EAGAIN);
    SHARED_CHILD_CHECK(total == 65536);
    return 0;
  });
  ASSERT_EQ(wait_child(child), 0);
  int avail = 0;
  ASSERT_EQ(pp_ioctl(fds[0], FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 65536);
  errno = 0;
  EXPECT_EQ(pp_write(fds[1], "x", 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  std::vector<std::uint8_t> got(70000);
  ASSERT_EQ(pp_read(fds[0], got.data(), got.size()), 65536);
  for (std::size_t i = 0; i < 65536; ++i) ASSERT_EQ(got[i], pattern(i)) << i;
  errno = 0;
  EXPECT_EQ(pp_read(fds[0], got.data(), got.size()), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
