// EPIPE and SIGPIPE on a shared pipe once the last read end in every process is closed: a write
// after the child closed its read end (the parent's closed first) fails with EPIPE and raises
// SIGPIPE; a write blocked on a full pipe is woken by the child's close and fails the same way.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <vector>

#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

std::atomic<int> sigpipes{0};

void count_sigpipe(int) {
  sigpipes.fetch_add(1);
}

class SharedEpipe : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction sa {};
    sa.sa_handler = count_sigpipe;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGPIPE, &sa, &old_), 0);
    sigpipes = 0;
  }
  void TearDown() override { sigaction(SIGPIPE, &old_, nullptr); }
  struct sigaction old_ {};
};

TEST_F(SharedEpipe, WriteAfterTheChildClosedTheLastReader) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  ASSERT_EQ(pp_write(fds[1], "ab", 2), 2);  // readers exist: accepted
  const pid_t child = spawn_child([&] {
    SHARED_CHILD_CHECK(pp_close(fds[1]) == 0);
    SHARED_CHILD_CHECK(pp_close(fds[0]) == 0);
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  ASSERT_EQ(wait_child(child), 0);
  errno = 0;
  EXPECT_EQ(pp_write(fds[1], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(sigpipes.load(), 1);
  struct pollfd p {
    fds[1], POLLOUT, 0
  };
  EXPECT_EQ(pp_poll(&p, 1, 0), 1);
  EXPECT_TRUE(p.revents & POLLERR);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST_F(SharedEpipe, BlockedWriterWokenByTheChildsClose) {
  HangGuard guard;
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED | O_NONBLOCK), 0);
  std::vector<char> page(4096, 'f');
  std::size_t filled = 0;
  while (pp_write(fds[1], page.data(), page.size()) > 0) filled += page.size();
  ASSERT_EQ(errno, EAGAIN);
  ASSERT_EQ(filled, 65536u);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = spawn_child([&] {
    pp_close(fds[1]);
    char c = 0;
    SHARED_CHILD_CHECK(::read(go[0], &c, 1) == 1);
    SHARED_CHILD_CHECK(pp_close(fds[0]) == 0);
    return 0;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  ASSERT_EQ(pp_fcntl(fds[1], F_SETFL, 0), 0);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  errno = 0;
  EXPECT_EQ(pp_write(fds[1], "x", 1), -1);  // full: waits until the child's close
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(sigpipes.load(), 1);
  EXPECT_EQ(wait_child(child), 0);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
