// pp_event_fd errors and ownership: EBADF for descriptors that are not open, EMFILE when the
// process has no kernel descriptor left, and the event descriptor closed with the last close of
// its open file (not before).
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "event_fd_support.hpp"
#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::testing {
namespace {

bool kernel_fd_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

bool kernel_fd_closed(int fd) {
  errno = 0;
  return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

TEST(PosixEventFdErrorsTest, BadDescriptors) {
  errno = 0;
  EXPECT_EQ(pp_event_fd(-1), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(pp_event_fd(1 << 20), -1);
  EXPECT_EQ(errno, EBADF);
  int fds[2];
  ASSERT_EQ(pp_pipe(fds), 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  errno = 0;
  EXPECT_EQ(pp_event_fd(fds[0]), -1);  // closed
  EXPECT_EQ(errno, EBADF);
  ASSERT_EQ(pp_close(fds[1]), 0);
  errno = 0;
  EXPECT_EQ(pp_event_fd(fds[1]), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(PosixEventFdErrorsTest, ClosedWithTheLastCloseOfItsOpenFile) {
  int fds[2];
  ASSERT_EQ(pp_pipe(fds), 0);
  const int rfd = pp_event_fd(fds[0]);
  const int wfd = pp_event_fd(fds[1]);
  ASSERT_GE(rfd, 0);
  ASSERT_GE(wfd, 0);
  EXPECT_EQ(::fcntl(rfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_NE(::fcntl(rfd, F_GETFL) & O_NONBLOCK, 0);
  const int dup = pp_dup(fds[0]);
  ASSERT_GE(dup, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  EXPECT_TRUE(kernel_fd_open(rfd));  // the dup keeps the open file
  EXPECT_EQ(pp_event_fd(dup), rfd);
  ASSERT_EQ(pp_close(dup), 0);
  EXPECT_TRUE(kernel_fd_closed(rfd));
  EXPECT_TRUE(kernel_fd_open(wfd));   // the other end's is its own
  EXPECT_TRUE(kernel_readable(wfd));  // POLLERR: no reader left
  ASSERT_EQ(pp_close(fds[1]), 0);
  EXPECT_TRUE(kernel_fd_closed(wfd));
}

TEST(PosixEventFdErrorsTest, CppEndsOwnItToo) {
  PipePair p = make_pipe();
  ASSERT_TRUE(p.ok());
  const FdResult r = p.reader.event_fd();
  const FdResult w = p.writer.event_fd();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(p.reader.clone().event_fd().fd, r.fd);
  EXPECT_FALSE(kernel_readable(r.fd));
  const char byte = 'c';
  ASSERT_EQ(p.writer.write(std::as_bytes(std::span(&byte, 1))).count, 1u);
  EXPECT_TRUE(kernel_readable(r.fd));
  EXPECT_TRUE(kernel_readable(w.fd));
  p.reader.close();
  EXPECT_TRUE(kernel_fd_closed(r.fd));
  const FdResult closed = p.reader.event_fd();
  EXPECT_FALSE(closed.ok());
  EXPECT_EQ(closed.error.value(), EBADF);
  EXPECT_EQ(closed.fd, -1);
}

// No kernel descriptor below RLIMIT_NOFILE: EMFILE, and a later call succeeds once there is one.
TEST(PosixEventFdErrorsTest, NoKernelDescriptorLeft) {
  int fds[2];
  ASSERT_EQ(pp_pipe(fds), 0);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  const int lowest_free = ::dup(0);  // every kernel descriptor below it is in use
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  errno = 0;
  const int r = pp_event_fd(fds[0]);
  const int e = errno;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(e, EMFILE) << std::strerror(e);
  const int again = pp_event_fd(fds[0]);
  EXPECT_GE(again, 0);
  ASSERT_EQ(pp_close(fds[0]), 0);
  ASSERT_EQ(pp_close(fds[1]), 0);
  EXPECT_TRUE(kernel_fd_closed(again));
}

}  // namespace
}  // namespace pipepool::testing
