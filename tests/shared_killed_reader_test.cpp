// A child SIGKILLed while blocked in a read of a shared pipe: its read end counts as closed, so
// the parent's write that waits on a full pipe fails with EPIPE instead of hanging.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedKilledReader, BlockedWriterGetsEpipe) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[1]);
    char c = 0;
    SHARED_CHILD_CHECK(::write(ready[1], "r", 1) == 1);
    (void)pp_read(fds[0], &c, 1);  // empty: blocks until killed
    return 1;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  EXPECT_EQ(wait_child(child), -SIGKILL);
  std::vector<char> page(4096, 'p');
  std::size_t written = 0;
  ssize_t n = 0;
  while ((n = pp_write(fds[1], page.data(), page.size())) > 0)
    written += static_cast<std::size_t>(n);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_LE(written, 65536u);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
