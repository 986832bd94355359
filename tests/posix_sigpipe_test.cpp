// SIGPIPE: a write with no reader raises SIGPIPE on the writing thread, then fails with EPIPE
// (or returns the bytes written when the last reader closed during the write), on kernel pipes
// and pipepool's alike; pp_options.no_sigpipe turns the signal off.
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "pipe_ops.hpp"
#include "pipepool/posix.h"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

class PosixSigpipeTest : public PipeOpsTest {};

// The writing thread's result and whether the handler ran on it.
struct WriteOutcome {
  long ret = 0;
  int err = 0;
  bool handler_on_writer = false;
};

template <typename Write>
WriteOutcome write_on_thread(Write write) {
  WriteOutcome out;
  std::thread t([&] {
    errno = 0;
    out.ret = write();
    out.err = out.ret == -1 ? errno : 0;
    out.handler_on_writer =
        SignalLog::count.load() > 0 && pthread_equal(SignalLog::thread.load(), pthread_self());
  });
  t.join();
  return out;
}

TEST_P(PosixSigpipeTest, DefaultDispositionKillsTheWriter) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    std::signal(SIGPIPE, SIG_DFL);
    int fds[2];
    if (ops().pipe2(fds, 0) != 0) _exit(2);
    ops().close(fds[0]);
    ops().write(fds[1], "x", 1);
    _exit(1);  // survived
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGPIPE);
}

TEST_P(PosixSigpipeTest, IgnoredGivesEpipe) {
  SignalLog::count.store(0);
  ScopedDisposition ignore(SIGPIPE, SIG_IGN);
  OpsPipe p(ops());
  p.close_read();
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), "x", 1));
  char buf[2] = {};
  iovec v{buf, sizeof buf};
  EXPECT_ERRNO(EPIPE, ops().writev(p.w(), &v, 1));
}

TEST_P(PosixSigpipeTest, HandlerRunsOnceOnTheWritingThreadThenEpipe) {
  SignalLog::count.store(0);
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  int fds[2];
  ASSERT_EQ(ops().pipe2(fds, 0), 0);
  ASSERT_EQ(ops().close(fds[0]), 0);
  const int w = fds[1];
  WriteOutcome out = write_on_thread([&] { return ops().write(w, "x", 1); });
  EXPECT_EQ(out.ret, -1);
  EXPECT_EQ(out.err, EPIPE);
  EXPECT_EQ(SignalLog::count.load(), 1);
  EXPECT_TRUE(out.handler_on_writer);
  SignalLog::count.store(0);
  char buf[4] = {};
  const iovec v[2] = {{buf, 2}, {buf + 2, 2}};
  out = write_on_thread([&] { return ops().writev(w, v, 2); });
  EXPECT_EQ(out.err, EPIPE);
  EXPECT_EQ(SignalLog::count.load(), 1);
  EXPECT_TRUE(out.handler_on_writer);
  EXPECT_EQ(ops().close(w), 0);
}

// The last reader closes while a blocking write waits for room: the write returns what it
// stored, and raises SIGPIPE.
TEST_P(PosixSigpipeTest, WriteCutShortByTheLastCloseRaisesAndReturnsTheBytes) {
  Watchdog dog;
  SignalLog::count.store(0);
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  int fds[2];
  ASSERT_EQ(ops().pipe2(fds, 0), 0);
  const int size = ops().fcntl(fds[1], F_GETPIPE_SZ);
  ASSERT_GT(size, 0);
  std::vector<char> data(static_cast<std::size_t>(size) * 2, 'z');
  WriteOutcome out;
  std::thread writer([&] {
    out.ret = ops().write(fds[1], data.data(), data.size());
    out.err = out.ret == -1 ? errno : 0;
    out.handler_on_writer =
        SignalLog::count.load() > 0 && pthread_equal(SignalLog::thread.load(), pthread_self());
  });
  int queued = 0;
  while (queued < size) {
    ASSERT_EQ(ops().ioctl(fds[0], FIONREAD, &queued), 0);
    std::this_thread::yield();
  }
  ASSERT_EQ(ops().close(fds[0]), 0);
  writer.join();
  EXPECT_EQ(out.ret, size);
  EXPECT_EQ(SignalLog::count.load(), 1);
  EXPECT_TRUE(out.handler_on_writer);
  EXPECT_EQ(ops().close(fds[1]), 0);
}

PIPE_OPS_INSTANTIATE(PosixSigpipeTest);

TEST(PosixSigpipePipepoolTest, NoSigpipeOptionFailsWithEpipeOnly) {
  SignalLog::count.store(0);
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  pp_options opts{};
  opts.no_sigpipe = 1;
  int fds[2];
  ASSERT_EQ(pp_pipe_opts(fds, 0, &opts), 0);
  const int copy = pp_dup(fds[1]);  // the option belongs to the pipe, so dups share it
  ASSERT_EQ(pp_close(fds[0]), 0);
  EXPECT_ERRNO(EPIPE, pp_write(fds[1], "x", 1));
  char buf[2] = {};
  iovec v{buf, sizeof buf};
  EXPECT_ERRNO(EPIPE, pp_writev(copy, &v, 1));
  EXPECT_EQ(SignalLog::count.load(), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  EXPECT_EQ(pp_close(copy), 0);
}

}  // namespace
}  // namespace pipepool::testing
