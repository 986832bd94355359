// poll on pipe descriptors: the revents bits of each end, NVAL, argument checks, timeouts and
// waking up when another thread changes the pipe.
#include <atomic>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixPollTest : public PipeOpsTest {
 protected:
  short revents(int fd, short events) {
    pollfd pfd{fd, events, 0};
    const int n = ops().poll(&pfd, 1, 0);
    EXPECT_EQ(n, pfd.revents != 0 ? 1 : 0);
    return pfd.revents;
  }
};

TEST_P(PosixPollTest, EmptyPipe) {
  OpsPipe p(ops());
  EXPECT_EQ(revents(p.r(), POLLIN), 0);
  EXPECT_EQ(revents(p.w(), POLLOUT), POLLOUT);
  // Each end reports only its own direction.
  EXPECT_EQ(revents(p.r(), POLLIN | POLLOUT | POLLPRI | POLLRDHUP), 0);
  EXPECT_EQ(revents(p.w(), POLLIN | POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
}

TEST_P(PosixPollTest, DataMakesTheReadEndReadable) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "x", 1), 1);
  EXPECT_EQ(revents(p.r(), POLLIN), POLLIN);
  EXPECT_EQ(revents(p.r(), POLLRDNORM), POLLRDNORM);
  EXPECT_EQ(revents(p.r(), POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
  EXPECT_EQ(revents(p.r(), 0), 0);  // nothing asked, nothing reported
}

TEST_P(PosixPollTest, FullPipeIsNotWritableUntilAPageIsFreed) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(65536, 'f');
  ASSERT_EQ(ops().write(p.w(), buf.data(), buf.size()), 65536);
  EXPECT_EQ(revents(p.w(), POLLOUT), 0);
  ASSERT_EQ(ops().read(p.r(), buf.data(), 1), 1);
  EXPECT_EQ(revents(p.w(), POLLOUT), 0);
  ASSERT_EQ(ops().read(p.r(), buf.data(), 4095), 4095);
  EXPECT_EQ(revents(p.w(), POLLOUT), POLLOUT);
}

TEST_P(PosixPollTest, HupWhenTheWriterIsGoneEvenIfNotAsked) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "x", 1), 1);
  p.close_write();
  EXPECT_EQ(revents(p.r(), POLLIN), POLLIN | POLLHUP);
  EXPECT_EQ(revents(p.r(), 0), POLLHUP);
  char c;
  ASSERT_EQ(ops().read(p.r(), &c, 1), 1);
  EXPECT_EQ(revents(p.r(), POLLIN), POLLHUP);
}

TEST_P(PosixPollTest, ErrWhenTheReaderIsGoneEvenIfNotAsked) {
  OpsPipe p(ops());
  p.close_read();
  EXPECT_EQ(revents(p.w(), POLLOUT), POLLOUT | POLLERR);
  EXPECT_EQ(revents(p.w(), 0), POLLERR);
  EXPECT_EQ(revents(p.w(), POLLIN | POLLWRNORM), POLLWRNORM | POLLERR);
}

TEST_P(PosixPollTest, NegativeDescriptorsAreIgnoredAndNvalIsCounted) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "x", 1), 1);
  const int closed = ops().dup(p.r());
  ASSERT_GE(closed, 0);
  ASSERT_EQ(ops().close(closed), 0);
  pollfd fds[] = {{p.r(), POLLIN, 0x55},
                  {-1, POLLIN, 0x55},
                  {closed, POLLIN, 0x55},
                  {p.w(), POLLIN, 0x55},
                  {-100, POLLOUT, 0x55}};
  EXPECT_EQ(ops().poll(fds, 5, 0), 2);
  EXPECT_EQ(fds[0].revents, POLLIN);
  EXPECT_EQ(fds[1].revents, 0);
  EXPECT_EQ(fds[2].revents, POLLNVAL);
  EXPECT_EQ(fds[3].revents, 0);
  EXPECT_EQ(fds[4].revents, 0);
}

TEST_P(PosixPollTest, NvalReturnsAtOnceEvenWithoutTimeout) {
  Watchdog dog;
  OpsPipe p(ops());
  const int closed = ops().dup(p.r());
  ASSERT_EQ(ops().close(closed), 0);
  pollfd fds[] = {{p.r(), POLLIN, 0}, {closed, 0, 0}};
  EXPECT_EQ(ops().poll(fds, 2, -1), 1);
  EXPECT_EQ(fds[1].revents, POLLNVAL);
}

TEST_P(PosixPollTest, SameDescriptorTwiceCountsTwice) {
  OpsPipe p(ops());
  pollfd fds[] = {{p.w(), POLLOUT, 0}, {p.w(), POLLOUT, 0}};
  EXPECT_EQ(ops().poll(fds, 2, 0), 2);
}

TEST_P(PosixPollTest, ArgumentErrors) {
  EXPECT_ERRNO(EFAULT, ops().poll(nullptr, 1, 0));
  EXPECT_EQ(ops().poll(nullptr, 0, 0), 0);
  const long limit = nofile_limit();
  if (limit < 0) GTEST_SKIP() << "RLIMIT_NOFILE too large to test";
  EXPECT_ERRNO(EINVAL, ops().poll(nullptr, static_cast<nfds_t>(limit) + 1, 0));
}

TEST_P(PosixPollTest, TimeoutZeroAndShortTimeoutReturnZeroWhenNothingIsReady) {
  OpsPipe p(ops());
  pollfd pfd{p.r(), POLLIN, 0x55};
  EXPECT_EQ(ops().poll(&pfd, 1, 0), 0);
  EXPECT_EQ(pfd.revents, 0);
  pfd.revents = 0x55;
  EXPECT_EQ(ops().poll(&pfd, 1, 20), 0);
  EXPECT_EQ(pfd.revents, 0);
  EXPECT_EQ(ops().poll(nullptr, 0, 10), 0);
}

TEST_P(PosixPollTest, BlocksUntilAnotherThreadWrites) {
  Watchdog dog;
  OpsPipe p(ops());
  std::atomic<bool> returned{false};
  pollfd pfd{p.r(), POLLIN, 0};
  int n = -2;
  std::thread poller([&] {
    n = ops().poll(&pfd, 1, -1);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load());  // nothing is ready: poll must still wait
  ASSERT_EQ(ops().write(p.w(), "go", 2), 2);
  poller.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(pfd.revents, POLLIN);
}

TEST_P(PosixPollTest, TimedPollWakesForWriterClose) {
  Watchdog dog;
  OpsPipe p(ops());
  pollfd pfd{p.r(), POLLIN, 0};
  int n = -2;
  std::thread poller([&] { n = ops().poll(&pfd, 1, 20000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.close_write();
  poller.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(pfd.revents, POLLHUP);
}

TEST_P(PosixPollTest, WriterWakesWhenAReaderFreesRoom) {
  Watchdog dog;
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(65536, 'r');
  ASSERT_EQ(ops().write(p.w(), buf.data(), buf.size()), 65536);
  pollfd pfd{p.w(), POLLOUT, 0};
  int n = -2;
  std::thread poller([&] { n = ops().poll(&pfd, 1, -1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(ops().read(p.r(), buf.data(), buf.size()), 65536);
  poller.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(pfd.revents, POLLOUT);
}

PIPE_OPS_INSTANTIATE(PosixPollTest);

}  // namespace
}  // namespace pipepool::testing
