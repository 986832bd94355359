// poll blocked with nothing ready returns -1 EINTR when a signal handler runs on its thread,
// with or without SA_RESTART (poll is never restarted); an ignored signal does not interrupt it.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "pipe_ops.hpp"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

std::atomic<int> g_handled{0};

void on_signal(int) {
  g_handled.fetch_add(1);
}

class PosixPollEintrTest : public PipeOpsTest {
 protected:
  // Polls the empty read end of a pipe on a thread with `timeout_ms` and signals that thread
  // with SIGUSR1 until the poll returns (a signal sent before it blocks is handled and missed,
  // so it is sent again). Returns poll's result and errno.
  std::pair<int, int> poll_signalled(int timeout_ms) {
    OpsPipe p(ops());
    std::atomic<bool> done{false};
    int ret = -2;
    int err = 0;
    std::thread poller([&] {
      pollfd pfd{p.r(), POLLIN, 0};
      errno = 0;
      ret = ops().poll(&pfd, 1, timeout_ms);
      err = errno;
      done.store(true);
    });
    const pthread_t target = poller.native_handle();
    while (!done.load()) {
      pthread_kill(target, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    poller.join();
    return {ret, err};
  }
};

TEST_P(PosixPollEintrTest, HandlerWithoutRestartInterruptsAnInfiniteWait) {
  Watchdog dog;
  g_handled.store(0);
  ScopedDisposition handle(SIGUSR1, on_signal, 0);
  const auto [ret, err] = poll_signalled(-1);
  EXPECT_EQ(ret, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_GE(g_handled.load(), 1);
}

TEST_P(PosixPollEintrTest, SaRestartDoesNotRestartPoll) {
  Watchdog dog;
  g_handled.store(0);
  ScopedDisposition handle(SIGUSR1, on_signal, SA_RESTART);
  const auto [ret, err] = poll_signalled(-1);
  EXPECT_EQ(ret, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_GE(g_handled.load(), 1);
}

TEST_P(PosixPollEintrTest, HandlerInterruptsAWaitWithATimeout) {
  Watchdog dog;
  g_handled.store(0);
  ScopedDisposition handle(SIGUSR1, on_signal, SA_RESTART);
  const auto [ret, err] = poll_signalled(20000);
  EXPECT_EQ(ret, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_GE(g_handled.load(), 1);
}

// An ignored signal is discarded: the poll runs to its timeout and reports nothing ready.
TEST_P(PosixPollEintrTest, IgnoredSignalDoesNotInterrupt) {
  Watchdog dog;
  g_handled.store(0);
  ScopedDisposition ignore(SIGUSR1, SIG_IGN, 0);
  const auto [ret, err] = poll_signalled(100);
  EXPECT_EQ(ret, 0);
  EXPECT_EQ(g_handled.load(), 0);
}

PIPE_OPS_INSTANTIATE(PosixPollEintrTest);

}  // namespace
}  // namespace pipepool::testing
