// EOF on a shared pipe comes only when the last write end in every process is closed: the parent
// closing its write end does not end the stream while a child still holds one, a dup in the child
// keeps it open, and the read sees EOF after the child closes (or exits without closing).
#include <fcntl.h>
#include <gtest/gtest.h>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedEof, OnlyAfterTheLastWriterInAnyProcessCloses) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  int go[2];  // kernel pipe: the parent tells the child when to close
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[0]);
    const int dup = pp_dup(fds[1]);
    SHARED_CHILD_CHECK(dup >= 0);
    SHARED_CHILD_CHECK(pp_close(fds[1]) == 0);
    char c = 0;
    SHARED_CHILD_CHECK(::read(go[0], &c, 1) == 1);
    SHARED_CHILD_CHECK(pp_write(dup, "z", 1) == 1);
    SHARED_CHILD_CHECK(pp_close(dup) == 0);
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  // The child still holds a write end: an empty pipe is EAGAIN for a non-blocking read, not EOF.
  ASSERT_EQ(pp_fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  char buf[4];
  errno = 0;
  EXPECT_EQ(pp_read(fds[0], buf, sizeof buf), -1);
  EXPECT_EQ(errno, EAGAIN);
  struct pollfd p {
    fds[0], POLLIN, 0
  };
  EXPECT_EQ(pp_poll(&p, 1, 0), 0);
  ASSERT_EQ(pp_fcntl(fds[0], F_SETFL, 0), 0);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  EXPECT_EQ(pp_read(fds[0], buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], 'z');
  EXPECT_EQ(pp_read(fds[0], buf, sizeof buf), 0);  // blocks until the child's close
  EXPECT_EQ(wait_child(child), 0);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

// A child that exits without closing its end: its end counts as closed (the parent's blocked read
// notices the child is gone).
TEST(SharedEof, AfterTheWritingChildExitsWithoutClosing) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  const pid_t child = spawn_child([&] {
    SHARED_CHILD_CHECK(pp_write(fds[1], "abc", 3) == 3);
    return 0;  // _exit with every end still open
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  int error = 0;
  const std::vector<std::uint8_t> got = read_to_eof(fds[0], error);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(std::string(got.begin(), got.end()), "abc");
  EXPECT_EQ(wait_child(child), 0);
  EXPECT_EQ(pp_close(fds[0]), 0);
}

}  // namespace
}  // namespace pipepool::testing
