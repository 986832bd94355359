// pp_poll on a shared pipe sees what another process does: a blocking poll on the read end
// returns POLLIN once the child has written, and POLLHUP once the child's write end is gone; the
// write end polls POLLOUT while there is room.
#include <gtest/gtest.h>
#include <poll.h>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedPoll, ChildsWriteAndCloseWakeTheParentsPoll) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  struct pollfd w {
    fds[1], POLLOUT, 0
  };
  EXPECT_EQ(pp_poll(&w, 1, 0), 1);
  EXPECT_EQ(w.revents, POLLOUT);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[0]);
    char c = 0;
    SHARED_CHILD_CHECK(::read(go[0], &c, 1) == 1);
    SHARED_CHILD_CHECK(pp_write(fds[1], "p", 1) == 1);
    SHARED_CHILD_CHECK(::read(go[0], &c, 1) == 1);
    SHARED_CHILD_CHECK(pp_close(fds[1]) == 0);
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  struct pollfd r {
    fds[0], POLLIN, 0
  };
  EXPECT_EQ(pp_poll(&r, 1, 0), 0);
  ASSERT_EQ(::write(go[1], "1", 1), 1);
  EXPECT_EQ(pp_poll(&r, 1, -1), 1);  // waits for the child's write
  EXPECT_EQ(r.revents, POLLIN);
  char c = 0;
  EXPECT_EQ(pp_read(fds[0], &c, 1), 1);
  ASSERT_EQ(::write(go[1], "2", 1), 1);
  EXPECT_EQ(pp_poll(&r, 1, -1), 1);  // waits for the child's close
  EXPECT_EQ(r.revents, POLLHUP);
  EXPECT_EQ(wait_child(child), 0);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

}  // namespace
}  // namespace pipepool::testing
