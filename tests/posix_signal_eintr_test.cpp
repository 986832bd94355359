// A blocked read or write interrupted by a signal handler, on kernel pipes and pp pipes alike:
// when nothing was transferred yet it returns -1 EINTR without SA_RESTART and carries on with it;
// a write that stored part of its bytes returns that part either way. No byte is lost or
// duplicated.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

#include "pipe_ops.hpp"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

std::atomic<int> g_handled{0};

void count_signal(int) {
  g_handled.fetch_add(1);
}

// Sends `count` signals to `t`, 2 ms apart. (Pending signals of one kind merge, and under TSan a
// handler may run only once the interrupted call returns: callers count at least one.)
void send_signals(std::thread& t, int count) {
  for (int i = 0; i < count; ++i) {
    pthread_kill(t.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Runs `op` on a thread and signals it every 2 ms until it returns; returns its result and errno.
template <class Op>
std::pair<long, int> interrupt_until_done(Op op) {
  std::atomic<bool> done{false};
  long result = 0;
  int err = 0;
  std::thread t([&] {
    errno = 0;
    result = op();
    err = errno;
    done = true;
  });
  while (!done) {
    pthread_kill(t.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  t.join();
  return {result, err};
}

class PosixSignalEintr : public PipeOpsTest {};

TEST_P(PosixSignalEintr, BlockedReadReturnsEintr) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal);
  OpsPipe p(ops());
  char buf[16];
  const auto [n, err] = interrupt_until_done([&] { return ops().read(p.r(), buf, sizeof buf); });
  EXPECT_EQ(n, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_GE(g_handled.load(), 1);
  // The pipe is intact: a later write is read whole.
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().read(p.r(), buf, sizeof buf), 3);
  EXPECT_EQ(std::memcmp(buf, "abc", 3), 0);
}

TEST_P(PosixSignalEintr, BlockedWriteWithNothingWrittenReturnsEintr) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal);
  OpsPipe p(ops());
  std::vector<char> fill(65536, 'f');
  ASSERT_EQ(ops().write(p.w(), fill.data(), fill.size()), 65536);  // the default pipe is full
  const auto [n, err] = interrupt_until_done([&] { return ops().write(p.w(), "x", 1); });
  EXPECT_EQ(n, -1);
  EXPECT_EQ(err, EINTR);
  std::vector<char> out(65536 + 16);
  EXPECT_EQ(ops().read(p.r(), out.data(), out.size()), 65536);  // nothing was added
}

TEST_P(PosixSignalEintr, BlockedWriteReturnsWhatItWroteSoFar) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal);
  OpsPipe p(ops());
  std::vector<char> data(2 * 65536);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const auto [n, err] =
      interrupt_until_done([&] { return ops().write(p.w(), data.data(), data.size()); });
  EXPECT_EQ(n, 65536) << "errno " << err;  // one ring's worth went in before it blocked
  std::vector<char> out(data.size());
  ASSERT_EQ(ops().read(p.r(), out.data(), out.size()), 65536);
  EXPECT_EQ(std::memcmp(out.data(), data.data(), 65536), 0);
}

// With SA_RESTART the handler runs and the read goes on waiting, then returns the data.
TEST_P(PosixSignalEintr, ReadRestartsWithSaRestart) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal, SA_RESTART);
  OpsPipe p(ops());
  char buf[16];
  std::atomic<bool> done{false};
  long n = 0;
  std::thread reader([&] {
    n = ops().read(p.r(), buf, sizeof buf);
    done = true;
  });
  send_signals(reader, 20);
  EXPECT_FALSE(done.load());  // still waiting: the signals did not end it
  ASSERT_EQ(ops().write(p.w(), "restart", 7), 7);
  reader.join();
  EXPECT_GE(g_handled.load(), 1);
  ASSERT_EQ(n, 7);
  EXPECT_EQ(std::memcmp(buf, "restart", 7), 0);
}

// With SA_RESTART a write with nothing written yet goes on waiting and completes once there is
// room; a write that wrote part returns that part (no restart can undo it).
TEST_P(PosixSignalEintr, WriteRestartsWithSaRestart) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal, SA_RESTART);
  OpsPipe p(ops());
  std::vector<char> fill(65536, 'f');
  ASSERT_EQ(ops().write(p.w(), fill.data(), fill.size()), 65536);
  std::atomic<bool> done{false};
  long n = 0;
  std::thread writer([&] {
    n = ops().write(p.w(), "w", 1);
    done = true;
  });
  send_signals(writer, 20);
  EXPECT_FALSE(done.load());
  std::vector<char> out(4096);
  ASSERT_EQ(ops().read(p.r(), out.data(), out.size()), 4096);  // frees one slot
  writer.join();
  EXPECT_EQ(n, 1);
  EXPECT_GE(g_handled.load(), 1);
}

// A write that stored part of its bytes and then sleeps returns that part when a handler runs,
// with SA_RESTART too: pipe_write returns what it wrote, and only a call that moved nothing is
// restarted.
TEST_P(PosixSignalEintr, PartialWriteReturnsWithSaRestart) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal, SA_RESTART);
  OpsPipe p(ops());
  std::vector<char> data(2 * 65536);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 11);
  const auto [n, err] =
      interrupt_until_done([&] { return ops().write(p.w(), data.data(), data.size()); });
  EXPECT_EQ(n, 65536) << "errno " << err;
  EXPECT_GE(g_handled.load(), 1);
  std::vector<char> out(data.size());
  ASSERT_EQ(ops().read(p.r(), out.data(), out.size()), 65536);
  EXPECT_EQ(std::memcmp(out.data(), data.data(), 65536), 0);
}

// A read returns what it copied without waiting for more, signals or not, SA_RESTART or not.
TEST_P(PosixSignalEintr, ReadReturnsWhatItCopiedWithSaRestart) {
  Watchdog dog;
  g_handled = 0;
  ScopedDisposition h(SIGUSR1, count_signal, SA_RESTART);
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "partial", 7), 7);
  char buf[4096];
  const auto [n, err] = interrupt_until_done([&] { return ops().read(p.r(), buf, sizeof buf); });
  EXPECT_EQ(n, 7) << "errno " << err;
  EXPECT_EQ(std::memcmp(buf, "partial", 7), 0);
}

PIPE_OPS_INSTANTIATE(PosixSignalEintr);

}  // namespace
}  // namespace pipepool::testing
