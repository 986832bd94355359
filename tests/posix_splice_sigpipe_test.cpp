// SIGPIPE from the zero-copy calls: vmsplice into a write end, splice and tee into a pipe with no
// reader raise SIGPIPE once on the calling thread, then fail with EPIPE, on kernel pipes and
// pipepool's alike; pp_options.no_sigpipe turns the signal off.
#include <fcntl.h>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "pipe_ops.hpp"
#include "pipepool/posix.h"
#include "signal_support.hpp"

namespace pipepool::testing {
namespace {

class PosixSpliceSigpipeTest : public PipeOpsTest {};

struct CallOutcome {
  long ret = 0;
  int err = 0;
  int signals = 0;
  bool handler_on_caller = false;
};

// Runs `call` on a thread of its own with SIGPIPE recorded.
template <typename Call>
CallOutcome on_thread(Call call) {
  SignalLog::count.store(0);
  CallOutcome out;
  std::thread t([&] {
    errno = 0;
    out.ret = call();
    out.err = out.ret == -1 ? errno : 0;
    out.signals = SignalLog::count.load();
    out.handler_on_caller =
        out.signals > 0 && pthread_equal(SignalLog::thread.load(), pthread_self());
  });
  t.join();
  return out;
}

void expect_epipe_with_one_signal(const CallOutcome& out) {
  EXPECT_EQ(out.ret, -1);
  EXPECT_EQ(out.err, EPIPE);
  EXPECT_EQ(out.signals, 1);
  EXPECT_TRUE(out.handler_on_caller);
}

TEST_P(PosixSpliceSigpipeTest, VmspliceWithoutReaderRaisesThenEpipe) {
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  OpsPipe p(ops());
  p.close_read();
  char buf[16] = "zero-copy";
  const iovec v{buf, sizeof buf};
  expect_epipe_with_one_signal(on_thread([&] { return ops().vmsplice(p.w(), &v, 1, 0); }));
  expect_epipe_with_one_signal(
      on_thread([&] { return ops().vmsplice(p.w(), &v, 1, SPLICE_F_NONBLOCK); }));
}

TEST_P(PosixSpliceSigpipeTest, SpliceIntoAPipeWithoutReaderRaisesThenEpipe) {
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  OpsPipe in(ops());
  OpsPipe out(ops());
  ASSERT_EQ(ops().write(in.w(), "abc", 3), 3);
  out.close_read();
  expect_epipe_with_one_signal(
      on_thread([&] { return ops().splice(in.r(), nullptr, out.w(), nullptr, 3, 0); }));
  // Nothing moved: the input still holds its bytes.
  int queued = 0;
  ASSERT_EQ(ops().ioctl(in.r(), FIONREAD, &queued), 0);
  EXPECT_EQ(queued, 3);
}

TEST_P(PosixSpliceSigpipeTest, TeeIntoAPipeWithoutReaderRaisesThenEpipe) {
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  OpsPipe in(ops());
  OpsPipe out(ops());
  ASSERT_EQ(ops().write(in.w(), "abc", 3), 3);
  out.close_read();
  expect_epipe_with_one_signal(on_thread([&] { return ops().tee(in.r(), out.w(), 3, 0); }));
}

TEST_P(PosixSpliceSigpipeTest, VmspliceFromAReadEndRaisesNothing) {
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  OpsPipe p(ops());
  p.close_write();
  char buf[4] = {};
  const iovec v{buf, sizeof buf};
  const CallOutcome out = on_thread([&] { return ops().vmsplice(p.r(), &v, 1, 0); });
  EXPECT_EQ(out.ret, 0);  // EOF
  EXPECT_EQ(out.signals, 0);
}

PIPE_OPS_INSTANTIATE(PosixSpliceSigpipeTest);

TEST(PosixSpliceSigpipePipepoolTest, NoSigpipeOptionFailsWithEpipeOnly) {
  ScopedDisposition handle(SIGPIPE, SignalLog::record);
  pp_options opts{};
  opts.no_sigpipe = 1;
  int in[2];
  int out[2];
  ASSERT_EQ(pp_pipe2(in, 0), 0);
  ASSERT_EQ(pp_pipe_opts(out, 0, &opts), 0);
  ASSERT_EQ(pp_write(in[1], "abc", 3), 3);
  ASSERT_EQ(pp_close(out[0]), 0);
  char buf[4] = "xyz";
  const iovec v{buf, 3};
  const CallOutcome vm = on_thread([&] { return pp_vmsplice(out[1], &v, 1, 0); });
  const CallOutcome sp =
      on_thread([&] { return pp_splice(in[0], nullptr, out[1], nullptr, 3, 0); });
  const CallOutcome te = on_thread([&] { return pp_tee(in[0], out[1], 3, 0); });
  for (const CallOutcome& o : {vm, sp, te}) {
    EXPECT_EQ(o.ret, -1);
    EXPECT_EQ(o.err, EPIPE);
    EXPECT_EQ(o.signals, 0);
  }
  for (const int fd : {in[0], in[1], out[1]}) EXPECT_EQ(pp_close(fd), 0);
}

}  // namespace
}  // namespace pipepool::testing
