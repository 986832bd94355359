// The linearizability checker's model of F_SETPIPE_SZ, merges, blocking calls and signals
// (fuzz/lin_state.hpp) on hand-made histories: each rule accepts the outcomes the kernel gives
// and rejects one it cannot give, so recorded histories with these calls are checked for them.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "lin_checker.hpp"
#include "lin_report.hpp"

namespace pipepool::lin {
namespace {

Operation call(OpKind kind, End end, std::uint64_t invoke, std::uint64_t ret, unsigned thread) {
  Operation op;
  op.kind = kind;
  op.end = end;
  op.invoke = invoke;
  op.ret = ret;
  op.thread = thread;
  return op;
}

// A write of `s` by `thread` that returned `result` (-1: failed with `error`).
Operation write(const std::string& s, std::int64_t result, std::uint64_t invoke, std::uint64_t ret,
                unsigned thread = 0, bool blocking = false, int error = 0) {
  Operation op = call(OpKind::write, End::write, invoke, ret, thread);
  op.len = s.size();
  op.data.assign(s.begin(), s.end());
  op.result = result;
  op.error = error;
  op.blocking = blocking;
  return op;
}

Operation blocking_write(const std::string& s, std::int64_t result, std::uint64_t invoke,
                         std::uint64_t ret, unsigned thread = 0, int error = 0) {
  return write(s, result, invoke, ret, thread, true, error);
}

// A read of up to `len` bytes that returned `got` (or failed with `error`).
Operation read(std::size_t len, const std::string& got, std::uint64_t invoke, std::uint64_t ret,
               unsigned thread = 1, bool blocking = false, int error = 0) {
  Operation op = call(OpKind::read, End::read, invoke, ret, thread);
  op.len = len;
  op.data.assign(got.begin(), got.end());
  op.result = error != 0 ? -1 : static_cast<std::int64_t>(got.size());
  op.error = error;
  op.blocking = blocking;
  return op;
}

Operation resize(std::size_t size, std::int64_t result, std::uint64_t invoke, std::uint64_t ret,
                 int error = 0, unsigned thread = 2) {
  Operation op = call(OpKind::resize, End::write, invoke, ret, thread);
  op.len = size;
  op.result = result;
  op.error = error;
  return op;
}

Operation signal(unsigned thread, std::uint64_t at, bool restart) {
  Operation op = call(OpKind::signal, End::read, at, at, thread);
  op.restart = restart;
  return op;
}

Operation close_read(std::uint64_t invoke, std::uint64_t ret, unsigned thread = 1) {
  return call(OpKind::close, End::read, invoke, ret, thread);
}

History history(std::size_t pipe_size, std::vector<Operation> ops) {
  History h;
  h.pipe_size = pipe_size;
  h.ops = std::move(ops);
  return h;
}

bool linearizable(const History& h) {
  const CheckResult r = check(h);
  if (!r.linearizable) std::printf("%s", failure_report(h, r).c_str());
  return r.linearizable;
}

std::string page(char c) {
  return std::string(4096, c);
}

// F_SETPIPE_SZ: sizes round up to a power of two of at least a page; a size below the slots in
// use fails with EBUSY; the new size bounds later writes.
TEST(PipeLinearizabilityBlockingChecker, ResizeRoundsUpAndRefusesBelowOccupancy) {
  const std::string two = page('a') + page('b');
  EXPECT_TRUE(linearizable(history(
      8192, {write(two, 8192, 1, 2), resize(4096, -1, 3, 4, EBUSY), resize(10000, 16384, 5, 6)})));
  // Shrinking below the two slots in use cannot succeed.
  EXPECT_FALSE(linearizable(history(8192, {write(two, 8192, 1, 2), resize(4096, 4096, 3, 4)})));
  // Nor fail with EBUSY when the pipe is empty.
  EXPECT_FALSE(linearizable(history(8192, {resize(4096, -1, 1, 2, EBUSY)})));
  // A size of 1 byte is a page: a non-blocking write of two pages stores one.
  EXPECT_TRUE(linearizable(history(65536, {resize(1, 4096, 1, 2), write(two, 4096, 3, 4)})));
  EXPECT_FALSE(linearizable(history(65536, {resize(1, 4096, 1, 2), write(two, 8192, 3, 4)})));
}

// A write of len % 4096 != 0 bytes merges its leading len % 4096 bytes into the last buffer
// when it has room, so it needs one slot fewer; packets never take merges.
TEST(PipeLinearizabilityBlockingChecker, LeadingBytesMergeIntoTheLastBuffer) {
  const std::string w(5000, 'w');
  // 100 bytes, then 904 merged and one page: 5000 fit in the two slots.
  EXPECT_TRUE(linearizable(
      history(8192, {write("x" + std::string(99, 'y'), 100, 1, 2), write(w, 5000, 3, 4)})));
  EXPECT_FALSE(linearizable(
      history(8192, {write("x" + std::string(99, 'y'), 100, 1, 2), write(w, 4096, 3, 4)})));
  // No room in the last page: no merge, one page of the second slot.
  const std::string full_page = page('p');
  EXPECT_TRUE(linearizable(history(8192, {write(full_page, 4096, 1, 2), write(w, 4096, 3, 4)})));
  EXPECT_FALSE(linearizable(history(8192, {write(full_page, 4096, 1, 2), write(w, 5000, 3, 4)})));
  History packets = history(8192, {write(std::string(100, 'x'), 100, 1, 2), write(w, 4096, 3, 4)});
  packets.packet = true;
  EXPECT_TRUE(linearizable(packets));
  packets.ops[1].result = 5000;
  EXPECT_FALSE(linearizable(packets));
}

// A blocking write of three pages on a one-page pipe stores a page, sleeps, and when a resize
// gives it room stores the other two in one step: another writer's bytes may come before that
// continuation but not inside it.
TEST(PipeLinearizabilityBlockingChecker, BlockedWriteSplitsOnlyWhereThePipeWasFull) {
  const std::string a = page('0') + page('1') + page('2');
  const std::string b(100, 'B');
  auto h = [&](const std::string& got) {
    return history(4096, {blocking_write(a, 12288, 1, 20, 0), resize(16384, 16384, 2, 3),
                          write(b, 100, 4, 5, 3), read(20000, got, 21, 22)});
  };
  EXPECT_TRUE(linearizable(h(page('0') + b + page('1') + page('2'))));
  EXPECT_TRUE(linearizable(h(page('0') + page('1') + page('2') + b)));
  EXPECT_FALSE(linearizable(h(page('0') + page('1') + b + page('2'))));
  // With a reader making room a page at a time, the write may be split after every page.
  const History by_reader =
      history(4096, {blocking_write(a, 12288, 1, 30, 0), read(4096, page('0'), 2, 3),
                     write(b, 100, 4, 5, 3), read(4096, b, 6, 7), read(4096, page('1'), 8, 9),
                     read(4096, page('2'), 10, 11)});
  EXPECT_TRUE(linearizable(by_reader));
}

// A blocking write that finds room for all its pages never sleeps, so nothing lands inside it.
TEST(PipeLinearizabilityBlockingChecker, BlockingWriteWithRoomIsOneStep) {
  const std::string a = page('0') + page('1');
  const std::string b(100, 'B');
  EXPECT_FALSE(
      linearizable(history(65536, {blocking_write(a, 8192, 1, 10, 0), write(b, 100, 2, 3, 3),
                                   read(20000, page('0') + b + page('1'), 11, 12)})));
}

// A blocking read waits for bytes instead of failing with EAGAIN; a blocked write ends when
// the last reader closes, with the bytes it stored or EPIPE.
TEST(PipeLinearizabilityBlockingChecker, BlockingCallsWaitAndEndOnClose) {
  EXPECT_TRUE(
      linearizable(history(4096, {read(10, "abc", 1, 10, 1, true), write("abc", 3, 5, 6)})));
  EXPECT_FALSE(linearizable(history(4096, {read(10, "", 1, 2, 1, true, EAGAIN)})));
  // A blocking read returns as soon as it finds bytes, so not before the write began.
  EXPECT_FALSE(
      linearizable(history(4096, {read(10, "abc", 1, 2, 1, true), write("abc", 3, 5, 6)})));
  // The write stored its first page before the read took it: it returns at least that.
  const std::string two = page('0') + page('1');
  History closed = history(
      4096, {blocking_write(two, 4096, 1, 10, 0), read(4096, page('0'), 2, 3), close_read(4, 5)});
  EXPECT_TRUE(linearizable(closed));
  closed.ops[0].result = 8192;
  EXPECT_TRUE(linearizable(closed));
  closed.ops[0].result = -1;
  closed.ops[0].error = EPIPE;
  EXPECT_FALSE(linearizable(closed));
}

Operation fionread(std::int64_t value, std::uint64_t invoke, std::uint64_t ret) {
  Operation op = call(OpKind::fionread, End::read, invoke, ret, 1);
  op.result = value;
  return op;
}

// A blocking write returns short (with readers left) only after a handler ran in its thread while
// the pipe was full: with the handler after the write stored a page (FIONREAD saw it) it may
// return that page, SA_RESTART or not, or go on and store the rest once the read made room (a
// handler that ran while the write was not asleep goes unseen in user space).
TEST(PipeLinearizabilityBlockingChecker, ShortBlockingWriteNeedsAHandlerInItsThread) {
  const std::string two = page('0') + page('1');
  for (const bool restart : {false, true}) {
    auto h = [&](std::int64_t result, unsigned signal_thread) {
      return history(4096, {blocking_write(two, result, 1, 20, 0), fionread(4096, 3, 4),
                            signal(signal_thread, 5, restart), read(4096, page('0'), 10, 11)});
    };
    EXPECT_TRUE(linearizable(h(4096, 0))) << restart;
    EXPECT_TRUE(linearizable(h(8192, 0))) << restart;
    EXPECT_FALSE(linearizable(h(4096, 1))) << restart;  // the handler ran in another thread
  }
  // Without a handler the write waits for the read and stores both pages.
  EXPECT_TRUE(linearizable(
      history(4096, {blocking_write(two, 8192, 1, 20, 0), read(4096, page('0'), 10, 11)})));
  EXPECT_FALSE(linearizable(
      history(4096, {blocking_write(two, 4096, 1, 20, 0), read(4096, page('0'), 10, 11)})));
}

// A blocking call that moved nothing fails with EINTR only when a handler without SA_RESTART
// ran during it, and only while it had to wait.
TEST(PipeLinearizabilityBlockingChecker, EintrNeedsAHandlerWithoutRestartAndAWait) {
  EXPECT_TRUE(
      linearizable(history(4096, {read(10, "", 1, 10, 1, true, EINTR), signal(1, 5, false)})));
  EXPECT_FALSE(
      linearizable(history(4096, {read(10, "", 1, 10, 1, true, EINTR), signal(1, 5, true)})));
  EXPECT_FALSE(linearizable(history(4096, {read(10, "", 1, 10, 1, true, EINTR)})));
  // Bytes were there all along: the read does not wait.
  EXPECT_FALSE(linearizable(history(
      4096, {write("abc", 3, 1, 2), read(10, "", 3, 10, 1, true, EINTR), signal(1, 5, false)})));
  // A write that stored a page returns it, not EINTR.
  const std::string two = page('0') + page('1');
  EXPECT_FALSE(
      linearizable(history(4096, {blocking_write(two, -1, 1, 20, 0, EINTR), signal(0, 5, false)})));
  EXPECT_TRUE(
      linearizable(history(4096, {write(page('x'), 4096, 1, 2),
                                  blocking_write(two, -1, 3, 20, 0, EINTR), signal(0, 5, false)})));
  // With SA_RESTART, a write that stored nothing goes on after the signal.
  EXPECT_TRUE(linearizable(
      history(4096, {write(page('x'), 4096, 1, 2), blocking_write(page('y'), 4096, 3, 20, 0),
                     signal(0, 5, true), read(4096, page('x'), 10, 11)})));
}

}  // namespace
}  // namespace pipepool::lin
