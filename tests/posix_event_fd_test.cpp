// pp_event_fd: the event descriptor of each end polls readable exactly when pp_poll reports that
// end ready, through fills, drains, resizes and closes of both ends, seen by poll and select.
#include <sys/select.h>

#include <chrono>
#include <thread>
#include <vector>

#include "event_fd_support.hpp"

namespace pipepool::testing {
namespace {

class PosixEventFdTest : public ::testing::TestWithParam<pp_copy_mode> {};

// Both ends' descriptors agree with pp_poll, and with the state the test expects.
#define EXPECT_READY(p, rfd, wfd, read_ready, write_ready)            \
  do {                                                                \
    EXPECT_EQ(kernel_readable(rfd), (read_ready)) << "read end";      \
    EXPECT_EQ(pp_ready((p).r(), false), (read_ready)) << "pp_poll";   \
    if ((p).w() >= 0) {                                               \
      EXPECT_EQ(kernel_readable(wfd), (write_ready)) << "write end";  \
      EXPECT_EQ(pp_ready((p).w(), true), (write_ready)) << "pp_poll"; \
    }                                                                 \
  } while (0)

TEST_P(PosixEventFdTest, FollowsFillAndDrain) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int rfd = pp_event_fd(p.r());
  const int wfd = pp_event_fd(p.w());
  ASSERT_GE(rfd, 0);
  ASSERT_GE(wfd, 0);
  EXPECT_NE(rfd, wfd);
  EXPECT_READY(p, rfd, wfd, false, true);

  std::vector<char> buf(65536, 'x');
  ASSERT_EQ(pp_write(p.w(), buf.data(), 100), 100);
  EXPECT_READY(p, rfd, wfd, true, true);
  ASSERT_EQ(pp_write(p.w(), buf.data(), buf.size()), 65536 - 4096);  // the first page holds 100
  EXPECT_READY(p, rfd, wfd, true, false);
  ASSERT_EQ(pp_write(p.w(), buf.data(), 1), -1);
  EXPECT_READY(p, rfd, wfd, true, false);

  ASSERT_EQ(pp_read(p.r(), buf.data(), 50), 50);  // the first page is not free yet
  EXPECT_READY(p, rfd, wfd, true, false);
  ASSERT_EQ(pp_read(p.r(), buf.data(), 50), 50);  // now it is
  EXPECT_READY(p, rfd, wfd, true, true);
  ASSERT_EQ(pp_read(p.r(), buf.data(), buf.size()), 65536 - 4096);
  EXPECT_READY(p, rfd, wfd, false, true);
  ASSERT_EQ(pp_read(p.r(), buf.data(), 1), -1);
  EXPECT_READY(p, rfd, wfd, false, true);
}

TEST_P(PosixEventFdTest, FollowsResize) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int rfd = pp_event_fd(p.r());
  const int wfd = pp_event_fd(p.w());
  std::vector<char> buf(8192, 'r');
  ASSERT_EQ(pp_fcntl(p.w(), F_SETPIPE_SZ, 4096), 4096);
  ASSERT_EQ(pp_write(p.w(), buf.data(), 4096), 4096);
  EXPECT_READY(p, rfd, wfd, true, false);
  ASSERT_EQ(pp_fcntl(p.w(), F_SETPIPE_SZ, 8192), 8192);  // room again
  EXPECT_READY(p, rfd, wfd, true, true);
  ASSERT_EQ(pp_write(p.w(), buf.data(), 4096), 4096);
  EXPECT_READY(p, rfd, wfd, true, false);
}

TEST_P(PosixEventFdTest, ReadEndReportsHangUp) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int rfd = pp_event_fd(p.r());
  ASSERT_EQ(pp_write(p.w(), "ab", 2), 2);
  p.close_write();
  EXPECT_TRUE(kernel_readable(rfd));
  char c[2];
  ASSERT_EQ(pp_read(p.r(), c, 2), 2);
  EXPECT_TRUE(kernel_readable(rfd));  // POLLHUP stays
  EXPECT_TRUE(pp_ready(p.r(), false));
  ASSERT_EQ(pp_read(p.r(), c, 2), 0);
}

TEST_P(PosixEventFdTest, WriteEndReportsErrorWhenFull) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int wfd = pp_event_fd(p.w());
  std::vector<char> buf(65536, 'e');
  ASSERT_EQ(pp_write(p.w(), buf.data(), buf.size()), 65536);
  EXPECT_FALSE(kernel_readable(wfd));
  p.close_read();
  EXPECT_TRUE(kernel_readable(wfd));  // POLLERR, though still full
  EXPECT_TRUE(pp_ready(p.w(), true));
}

TEST_P(PosixEventFdTest, AskedLateStartsFromTheCurrentState) {
  EventPipe p(GetParam(), O_NONBLOCK);
  std::vector<char> buf(65536, 'l');
  ASSERT_EQ(pp_write(p.w(), buf.data(), buf.size()), 65536);
  const int rfd = pp_event_fd(p.r());
  const int wfd = pp_event_fd(p.w());
  EXPECT_READY(p, rfd, wfd, true, false);
}

TEST_P(PosixEventFdTest, SameDescriptorEveryTimeAndThroughDup) {
  EventPipe p(GetParam(), 0);
  const int rfd = pp_event_fd(p.r());
  ASSERT_GE(rfd, 0);
  EXPECT_EQ(pp_event_fd(p.r()), rfd);
  const int dup = pp_dup(p.r());
  ASSERT_GE(dup, 0);
  EXPECT_EQ(pp_event_fd(dup), rfd);  // one per open file description
  const int dup_w = pp_fcntl(p.w(), F_DUPFD_CLOEXEC, 0);
  ASSERT_GE(dup_w, 0);
  const int wfd = pp_event_fd(dup_w);
  EXPECT_EQ(pp_event_fd(p.w()), wfd);
  EXPECT_NE(wfd, rfd);
  ASSERT_EQ(pp_close(dup), 0);
  ASSERT_EQ(pp_close(dup_w), 0);
  EXPECT_EQ(pp_event_fd(p.r()), rfd);  // the open file is still open
}

TEST_P(PosixEventFdTest, SelectSeesIt) {
  EventPipe p(GetParam(), O_NONBLOCK);
  const int rfd = pp_event_fd(p.r());
  ASSERT_GE(rfd, 0);
  ASSERT_LT(rfd, FD_SETSIZE);
  const auto selected = [rfd] {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(rfd, &set);
    timeval zero{0, 0};
    const int n = ::select(rfd + 1, &set, nullptr, nullptr, &zero);
    EXPECT_GE(n, 0);
    return n == 1 && FD_ISSET(rfd, &set);
  };
  EXPECT_FALSE(selected());
  ASSERT_EQ(pp_write(p.w(), "s", 1), 1);
  EXPECT_TRUE(selected());
  char c;
  ASSERT_EQ(pp_read(p.r(), &c, 1), 1);
  EXPECT_FALSE(selected());
}

// A blocking kernel poll on the descriptor wakes when another thread writes.
TEST_P(PosixEventFdTest, BlockingPollWakesOnWrite) {
  EventPipe p(GetParam(), 0);
  const int rfd = pp_event_fd(p.r());
  std::thread writer([&p] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(pp_write(p.w(), "w", 1), 1);
  });
  pollfd pfd{rfd, POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 10000), 1);
  writer.join();
  EXPECT_TRUE(pp_ready(p.r(), false));
}

// A writer blocked on a full pipe has made its data visible before it sleeps.
TEST_P(PosixEventFdTest, BlockedWriterLeavesTheReadEndReady) {
  EventPipe p(GetParam(), 0);
  const int rfd = pp_event_fd(p.r());
  const int wfd = pp_event_fd(p.w());
  std::vector<char> big(3 * 65536, 'b');
  std::thread writer([&p, &big] {
    EXPECT_EQ(pp_write(p.w(), big.data(), big.size()), static_cast<ssize_t>(big.size()));
  });
  pollfd pfd{rfd, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 10000), 1);
  std::vector<char> buf(65536);
  std::size_t got = 0;
  while (got < big.size()) {
    ASSERT_EQ(::poll(&pfd, 1, 10000), 1);
    const ssize_t n = pp_read(p.r(), buf.data(), buf.size());
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  writer.join();
  EXPECT_FALSE(kernel_readable(rfd));
  EXPECT_TRUE(kernel_readable(wfd));
}

EVENT_FD_INSTANTIATE(PosixEventFdTest);

}  // namespace
}  // namespace pipepool::testing
