// fork(): descriptors inherited by the child fail with EIO there (the pipes live in the parent's
// memory), keep their numbers until the child closes them, and the child can make new pipes;
// the parent's pipes carry on untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "pipe_ops.hpp"
#include "pipepool/posix.h"

namespace pipepool::testing {
namespace {

// In the child: the first failed check's line, or 0.
#define CHILD_CHECK(cond)         \
  do {                            \
    if (!(cond)) return __LINE__; \
  } while (0)
#define CHILD_ERRNO(err, call) CHILD_CHECK((errno = 0, (call) == -1 && errno == (err)))

// Runs `body` in a forked child (killed by SIGALRM after 20 s: a hang fails) and returns what it
// returned, or -signal when it died.
template <typename Body>
int in_child(Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    _exit(body());
  }
  if (pid < 0) return -1000;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1001;
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

int check_inherited(int r, int w) {
  char buf[8] = {};
  int n = 0;
  CHILD_ERRNO(EIO, pp_write(w, "x", 1));
  CHILD_ERRNO(EIO, pp_read(r, buf, sizeof buf));
  iovec v{buf, 1};
  CHILD_ERRNO(EIO, pp_writev(w, &v, 1));
  CHILD_ERRNO(EIO, pp_readv(r, &v, 1));
  CHILD_ERRNO(EIO, pp_dup(r));
  CHILD_ERRNO(EIO, pp_fcntl(w, F_GETFL));
  CHILD_ERRNO(EIO, pp_fcntl(w, F_DUPFD, 0));
  CHILD_ERRNO(EIO, pp_ioctl(r, FIONREAD, &n));
  CHILD_ERRNO(EIO, pp_event_fd(r));
  CHILD_ERRNO(EIO, pp_event_fd(w));
  CHILD_ERRNO(EIO, pp_vmsplice(w, &v, 1, SPLICE_F_NONBLOCK));
  CHILD_ERRNO(EIO, pp_vmsplice(r, &v, 1, SPLICE_F_NONBLOCK));
  int fresh[2];  // a pipe of the child's own on the other side of splice and tee
  CHILD_CHECK(pp_pipe2(fresh, O_NONBLOCK) == 0);
  CHILD_ERRNO(EIO, pp_splice(r, nullptr, fresh[1], nullptr, 1, SPLICE_F_NONBLOCK));
  CHILD_ERRNO(EIO, pp_splice(fresh[0], nullptr, w, nullptr, 1, SPLICE_F_NONBLOCK));
  CHILD_ERRNO(EIO, pp_tee(r, fresh[1], 1, SPLICE_F_NONBLOCK));
  CHILD_CHECK(pp_close(fresh[0]) == 0 && pp_close(fresh[1]) == 0);
  pollfd pfd[2] = {{r, POLLIN, 0}, {w, POLLOUT, 0}};
  CHILD_CHECK(pp_poll(pfd, 2, -1) == 2);
  CHILD_CHECK(pfd[0].revents == POLLERR && pfd[1].revents == POLLERR);
  return 0;
}

int child_body(int r, int w) {
  if (const int line = check_inherited(r, w); line != 0) return line;
  // New pipes work and do not take the inherited numbers.
  int fds[2];
  CHILD_CHECK(pp_pipe(fds) == 0);
  CHILD_CHECK(fds[0] != r && fds[0] != w && fds[1] != r && fds[1] != w);
  CHILD_CHECK(pp_write(fds[1], "child", 5) == 5);
  char buf[8] = {};
  CHILD_CHECK(pp_read(fds[0], buf, sizeof buf) == 5 && std::memcmp(buf, "child", 5) == 0);
  // Closing an inherited descriptor succeeds once and frees its number.
  CHILD_CHECK(pp_close(r) == 0);
  CHILD_ERRNO(EBADF, pp_close(r));
  CHILD_ERRNO(EBADF, pp_read(r, buf, 1));
  CHILD_ERRNO(EIO, pp_write(w, "x", 1));  // the other one is still inherited
  const int again = pp_dup(fds[0]);
  CHILD_CHECK(again == std::min(r, fds[0]));
  CHILD_CHECK(pp_close(w) == 0);
  CHILD_CHECK(pp_close(again) == 0 && pp_close(fds[0]) == 0 && pp_close(fds[1]) == 0);
  return 0;
}

TEST(PosixForkTest, InheritedDescriptorsFailWithEioAndTheParentKeepsItsData) {
  OpsPipe p(kPipepoolOps);
  ASSERT_EQ(pp_write(p.w(), "abc", 3), 3);
  EXPECT_EQ(in_child([&] { return child_body(p.r(), p.w()); }), 0);
  // The child's calls neither consumed nor added bytes.
  char buf[8] = {};
  int n = -1;
  EXPECT_EQ(pp_ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(pp_read(p.r(), buf, sizeof buf), 3);
  EXPECT_EQ(std::memcmp(buf, "abc", 3), 0);
  EXPECT_EQ(pp_write(p.w(), "de", 2), 2);
  EXPECT_EQ(pp_read(p.r(), buf, sizeof buf), 2);
}

// A thread of the parent is blocked in the pipe when the process forks: the child, where that
// thread does not exist, closes the inherited descriptors and makes new pipes without waiting on
// anything the thread left behind.
TEST(PosixForkTest, ChildDoesNotUseStateOfAThreadBlockedInTheParent) {
  Watchdog dog;
  OpsPipe p(kPipepoolOps);
  std::atomic<bool> entered{false};
  char got[4] = {};
  ssize_t n = 0;
  std::thread reader([&] {
    entered.store(true);
    n = pp_read(p.r(), got, sizeof got);
  });
  while (!entered.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it block (not required)
  const int r = p.r();
  const int w = p.w();
  EXPECT_EQ(in_child([&] {
              CHILD_ERRNO(EIO, pp_read(r, got, 1));
              CHILD_CHECK(pp_close(r) == 0);
              CHILD_CHECK(pp_close(w) == 0);
              int fds[2];
              CHILD_CHECK(pp_pipe(fds) == 0);
              CHILD_CHECK(pp_write(fds[1], "k", 1) == 1);
              CHILD_CHECK(pp_close(fds[1]) == 0);
              char c = 0;
              CHILD_CHECK(pp_read(fds[0], &c, 1) == 1 && c == 'k');
              CHILD_CHECK(pp_read(fds[0], &c, 1) == 0);
              return pp_close(fds[0]) == 0 ? 0 : __LINE__;
            }),
            0);
  ASSERT_EQ(pp_write(p.w(), "xyz", 3), 3);
  reader.join();
  EXPECT_EQ(n, 3);
  EXPECT_EQ(std::memcmp(got, "xyz", 3), 0);
}

}  // namespace
}  // namespace pipepool::testing
