// The linearizability checker (fuzz/lin_checker.hpp) on hand-made histories: it rejects ones no
// order of the calls explains and accepts overlapping ones some order does, so a recorded
// history it accepts (pipe_linearizability_test.cpp) means something.
#include <gtest/gtest.h>
#include <poll.h>

#include <cerrno>
#include <string>
#include <vector>

#include "lin_checker.hpp"
#include "lin_report.hpp"

namespace pipepool::lin {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

Operation call(OpKind kind, End end, std::uint64_t invoke, std::uint64_t ret) {
  Operation op;
  op.kind = kind;
  op.end = end;
  op.invoke = invoke;
  op.ret = ret;
  return op;
}

// A write of `s` that returned `result` (-1: failed with `error`).
Operation write(const std::string& s, std::int64_t result, std::uint64_t invoke, std::uint64_t ret,
                int error = 0) {
  Operation op = call(OpKind::write, End::write, invoke, ret);
  op.len = s.size();
  op.data = bytes(s);
  op.result = result;
  op.error = error;
  return op;
}

Operation write_n(std::size_t n, char c, std::int64_t result, std::uint64_t invoke,
                  std::uint64_t ret, int error = 0) {
  return write(std::string(n, c), result, invoke, ret, error);
}

// A read of up to `len` bytes that returned `got`.
Operation read(std::size_t len, const std::string& got, std::uint64_t invoke, std::uint64_t ret) {
  Operation op = call(OpKind::read, End::read, invoke, ret);
  op.len = len;
  op.data = bytes(got);
  op.result = static_cast<std::int64_t>(got.size());
  return op;
}

Operation read_failed(std::size_t len, int error, std::uint64_t invoke, std::uint64_t ret) {
  Operation op = call(OpKind::read, End::read, invoke, ret);
  op.len = len;
  op.result = -1;
  op.error = error;
  return op;
}

Operation fionread(std::int64_t value, std::uint64_t invoke, std::uint64_t ret) {
  Operation op = call(OpKind::fionread, End::read, invoke, ret);
  op.result = value;
  return op;
}

// A vmsplice of `s` into the write end, its bytes starting at `page_offset` in their page, that
// returned `result` (-1: failed with `error`).
Operation vmsplice_in(const std::string& s, std::size_t page_offset, std::int64_t result,
                      std::uint64_t invoke, std::uint64_t ret, int error = 0) {
  Operation op = write(s, result, invoke, ret, error);
  op.kind = OpKind::vmsplice_in;
  op.page_offset = page_offset;
  return op;
}

// A vmsplice of up to `len` bytes out of the read end that returned `got`.
Operation vmsplice_out(std::size_t len, const std::string& got, std::uint64_t invoke,
                       std::uint64_t ret) {
  Operation op = read(len, got, invoke, ret);
  op.kind = OpKind::vmsplice_out;
  return op;
}

Operation vmsplice_out_failed(std::size_t len, int error, std::uint64_t invoke, std::uint64_t ret) {
  Operation op = read_failed(len, error, invoke, ret);
  op.kind = OpKind::vmsplice_out;
  return op;
}

History history(std::vector<Operation> ops, std::size_t pipe_size = 65536, unsigned read_fds = 1,
                unsigned write_fds = 1) {
  History h;
  h.pipe_size = pipe_size;
  h.read_fds = read_fds;
  h.write_fds = write_fds;
  h.ops = std::move(ops);
  return h;
}

bool linearizable(const History& h) {
  return check(h).linearizable;
}

TEST(PipeLinearizabilityChecker, SequentialHistoryIsAcceptedWithItsOrder) {
  const History h = history({write("abc", 3, 1, 2), fionread(3, 3, 4), read(10, "abc", 5, 6),
                             read_failed(10, EAGAIN, 7, 8)});
  const CheckResult r = check(h);
  EXPECT_TRUE(r.linearizable);
  EXPECT_EQ(r.order, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(PipeLinearizabilityChecker, ReadOverlappingAWriteMaySeeItOrNot) {
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 4), read(10, "abc", 2, 3)})));
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 4), read_failed(10, EAGAIN, 2, 3)})));
  // The read is invoked first and still sees the write: it linearizes after it.
  EXPECT_TRUE(linearizable(history({read(10, "abc", 1, 4), write("abc", 3, 2, 3)})));
}

TEST(PipeLinearizabilityChecker, ReadOfBytesNotYetWrittenIsRejected) {
  const History h = history({read(10, "abc", 1, 2), write("abc", 3, 3, 4)});
  const CheckResult r = check(h);
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(r.order.empty());
}

TEST(PipeLinearizabilityChecker, EmptyPipeAfterAFinishedWriteIsRejected) {
  EXPECT_FALSE(linearizable(history({write("ab", 2, 1, 2), read_failed(10, EAGAIN, 3, 4)})));
}

TEST(PipeLinearizabilityChecker, TwoReadsOfTheSameBytesAreRejected) {
  EXPECT_FALSE(
      linearizable(history({write("abc", 3, 1, 2), read(3, "abc", 3, 6), read(3, "abc", 4, 5)})));
  EXPECT_TRUE(
      linearizable(history({write("abc", 3, 1, 2), read(2, "bc", 3, 6), read(1, "a", 4, 5)})));
}

TEST(PipeLinearizabilityChecker, BytesOutOfWriteOrderAreRejected) {
  EXPECT_FALSE(
      linearizable(history({write("ab", 2, 1, 2), write("cd", 2, 3, 4), read(4, "cdab", 5, 6)})));
  EXPECT_FALSE(linearizable(history(
      {write("ab", 2, 1, 2), write("cd", 2, 3, 4), read(2, "cd", 5, 6), read(2, "ab", 7, 8)})));
  // Torn: a read returns bytes of the second write before the rest of the first.
  EXPECT_FALSE(
      linearizable(history({write("ab", 2, 1, 2), write("cd", 2, 3, 4), read(4, "acdb", 5, 6)})));
}

TEST(PipeLinearizabilityChecker, OverlappingWritesMayGoInEitherOrder) {
  // The search has to backtrack: trying the first-invoked write first fails at the read.
  EXPECT_TRUE(
      linearizable(history({write("ab", 2, 1, 4), write("cd", 2, 2, 3), read(4, "cdab", 5, 6)})));
  EXPECT_TRUE(
      linearizable(history({write("ab", 2, 1, 4), write("cd", 2, 2, 3), read(4, "abcd", 5, 6)})));
}

TEST(PipeLinearizabilityChecker, ImpossibleFionreadIsRejected) {
  EXPECT_FALSE(linearizable(history({write("abc", 3, 1, 2), fionread(2, 3, 4)})));
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 6), fionread(0, 2, 3)})));
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 6), fionread(3, 2, 3)})));
  EXPECT_FALSE(linearizable(history({write("abc", 3, 1, 6), fionread(5, 2, 3)})));
}

TEST(PipeLinearizabilityChecker, WriteCountsFollowTheModel) {
  // One slot: a full page fills it, the next write gets EAGAIN.
  EXPECT_TRUE(
      linearizable(history({write_n(4096, 'a', 4096, 1, 2), write("b", -1, 3, 4, EAGAIN)}, 4096)));
  EXPECT_FALSE(linearizable(history({write_n(4096, 'a', 4096, 1, 2), write("b", 1, 3, 4)}, 4096)));
  // Two slots, 5000 bytes in: a 6000-byte write merges its 1904-byte tail and stops there.
  EXPECT_TRUE(linearizable(
      history({write_n(5000, 'a', 5000, 1, 2), write_n(6000, 'b', 1904, 3, 4)}, 8192)));
  EXPECT_FALSE(linearizable(
      history({write_n(5000, 'a', 5000, 1, 2), write_n(6000, 'b', -1, 3, 4, EAGAIN)}, 8192)));
  // A read overlapping the second write frees both slots when it goes first.
  EXPECT_TRUE(linearizable(history({write_n(5000, 'a', 5000, 1, 2), write_n(6000, 'b', 6000, 3, 6),
                                    read(5000, std::string(5000, 'a'), 4, 5)},
                                   8192)));
}

TEST(PipeLinearizabilityChecker, CloseOfTheLastDescriptorEndsTheSide) {
  Operation close_w = call(OpKind::close, End::write, 1, 2);
  EXPECT_TRUE(linearizable(history({close_w, read(10, "", 3, 4)})));
  EXPECT_FALSE(linearizable(history({close_w, read_failed(10, EAGAIN, 3, 4)})));
  // Another descriptor keeps the write end open.
  EXPECT_TRUE(linearizable(history({close_w, read_failed(10, EAGAIN, 3, 4)}, 65536, 1, 2)));
  EXPECT_FALSE(linearizable(history({close_w, read(10, "", 3, 4)}, 65536, 1, 2)));

  Operation close_r = call(OpKind::close, End::read, 1, 2);
  EXPECT_TRUE(linearizable(history({close_r, write("ab", -1, 3, 4, EPIPE)})));
  EXPECT_FALSE(linearizable(history({close_r, write("ab", 2, 3, 4)})));
  // A close overlapping the write may come after it.
  close_r.ret = 5;
  EXPECT_TRUE(linearizable(history({close_r, write("ab", 2, 3, 4)})));
}

TEST(PipeLinearizabilityChecker, PollRevents) {
  Operation in = call(OpKind::poll, End::read, 3, 4);
  in.result = POLLIN | POLLRDNORM;
  EXPECT_TRUE(linearizable(history({write("a", 1, 1, 2), in})));
  EXPECT_FALSE(linearizable(history({in})));
  Operation out = call(OpKind::poll, End::write, 3, 4);
  out.result = POLLOUT | POLLWRNORM;
  EXPECT_TRUE(linearizable(history({write("a", 1, 1, 2), out}, 8192)));
  EXPECT_FALSE(linearizable(history({write_n(4096, 'a', 4096, 1, 2), out}, 4096)));
}

TEST(PipeLinearizabilityChecker, VmsplicedBufferNeverTakesAMerge) {
  // One slot holding vmspliced bytes: a small write finds the pipe full.
  EXPECT_TRUE(
      linearizable(history({vmsplice_in("abc", 0, 3, 1, 2), write("d", -1, 3, 4, EAGAIN)}, 4096)));
  EXPECT_FALSE(linearizable(history({vmsplice_in("abc", 0, 3, 1, 2), write("d", 1, 3, 4)}, 4096)));
  // A written buffer does take it.
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 2), write("d", 1, 3, 4)}, 4096)));
  // Of two slots, the vmspliced bytes and the next write take both: no POLLOUT after them.
  Operation full = call(OpKind::poll, End::write, 5, 6);
  full.result = 0;
  Operation room = full;
  room.result = POLLOUT | POLLWRNORM;
  EXPECT_TRUE(
      linearizable(history({vmsplice_in("abc", 0, 3, 1, 2), write("de", 2, 3, 4), full}, 8192)));
  EXPECT_FALSE(
      linearizable(history({vmsplice_in("abc", 0, 3, 1, 2), write("de", 2, 3, 4), room}, 8192)));
  EXPECT_TRUE(linearizable(history({write("abc", 3, 1, 2), write("de", 2, 3, 4), room}, 8192)));
}

TEST(PipeLinearizabilityChecker, VmspliceInTakesASlotPerPageItTouches) {
  const std::string ten(10, 'a');
  // Ten bytes from 6 before a page end touch two pages: one slot takes the first six.
  EXPECT_TRUE(linearizable(history({vmsplice_in(ten, 4090, 6, 1, 2)}, 4096)));
  EXPECT_FALSE(linearizable(history({vmsplice_in(ten, 4090, 10, 1, 2)}, 4096)));
  EXPECT_TRUE(linearizable(history({vmsplice_in(ten, 0, 10, 1, 2)}, 4096)));
  EXPECT_FALSE(linearizable(history({vmsplice_in(ten, 0, 6, 1, 2)}, 4096)));
  // Two slots take all ten, and then the pipe is full.
  EXPECT_TRUE(linearizable(
      history({vmsplice_in(ten, 4090, 10, 1, 2), write("z", -1, 3, 4, EAGAIN)}, 8192)));
  EXPECT_FALSE(
      linearizable(history({vmsplice_in(ten, 4090, 10, 1, 2), write("z", 1, 3, 4)}, 8192)));
  // A full pipe refuses it; no reader fails it with EPIPE.
  EXPECT_TRUE(linearizable(
      history({write_n(4096, 'b', 4096, 1, 2), vmsplice_in("c", 0, -1, 3, 4, EAGAIN)}, 4096)));
  EXPECT_FALSE(
      linearizable(history({write_n(4096, 'b', 4096, 1, 2), vmsplice_in("c", 0, 1, 3, 4)}, 4096)));
  Operation close_r = call(OpKind::close, End::read, 1, 2);
  EXPECT_TRUE(linearizable(history({close_r, vmsplice_in("ab", 0, -1, 3, 4, EPIPE)})));
  EXPECT_FALSE(linearizable(history({close_r, vmsplice_in("ab", 0, 2, 3, 4)})));
}

TEST(PipeLinearizabilityChecker, VmspliceOutReadsAcrossBuffersInOrder) {
  const Operation in = vmsplice_in("ab", 100, 2, 1, 2);
  const Operation w = write("cd", 2, 3, 4);
  EXPECT_TRUE(linearizable(history({in, w, vmsplice_out(10, "abcd", 5, 6)})));
  EXPECT_TRUE(linearizable(history({in, w, vmsplice_out(3, "abc", 5, 6), read(10, "d", 7, 8)})));
  // Stopping at a buffer's end while more is there, or bytes out of order, or twice.
  EXPECT_FALSE(linearizable(history({in, w, vmsplice_out(10, "ab", 5, 6)})));
  EXPECT_FALSE(linearizable(history({in, w, vmsplice_out(10, "cdab", 5, 6)})));
  EXPECT_FALSE(
      linearizable(history({in, w, vmsplice_out(2, "ab", 5, 6), vmsplice_out(10, "abcd", 7, 8)})));
  // Overlapping the vmsplice in, it may see its bytes or find the pipe empty.
  Operation in_long = in;
  in_long.ret = 5;
  EXPECT_TRUE(linearizable(history({in_long, vmsplice_out(10, "ab", 2, 3)})));
  EXPECT_TRUE(linearizable(history({in_long, vmsplice_out_failed(10, EAGAIN, 2, 3)})));
  EXPECT_FALSE(linearizable(history({in, vmsplice_out_failed(10, EAGAIN, 3, 4)})));
  // No writer: end of file.
  Operation close_w = call(OpKind::close, End::write, 1, 2);
  EXPECT_TRUE(linearizable(history({close_w, vmsplice_out(10, "", 3, 4)})));
  EXPECT_FALSE(linearizable(history({close_w, vmsplice_out_failed(10, EAGAIN, 3, 4)})));
}

TEST(PipeLinearizabilityChecker, MemoisationBoundsTheSearch) {
  // Twelve overlapping FIONREADs and a read no order explains: without memoisation the search
  // would try all 12! orders of the FIONREADs; with it, each subset once.
  std::vector<Operation> ops;
  for (std::uint64_t i = 0; i < 12; ++i) ops.push_back(fionread(0, 1 + i, 100 - i));
  ops.push_back(read(1, "x", 101, 102));
  const CheckResult r = check(history(ops));
  EXPECT_FALSE(r.linearizable);
  EXPECT_EQ(r.order.size(), 12u);
  EXPECT_LT(r.steps, 200000u);
}

TEST(PipeLinearizabilityChecker, ReportShowsTheLongestPrefix) {
  const History h = history({write("ab", 2, 1, 2), write("cd", 2, 3, 4), read(4, "cdab", 5, 6)});
  const CheckResult r = check(h);
  ASSERT_FALSE(r.linearizable);
  EXPECT_EQ(r.order, (std::vector<std::size_t>{0, 1}));
  const std::string report = failure_report(h, r);
  EXPECT_NE(report.find("longest linearizable prefix (2 of 3 calls): #0 #1"), std::string::npos)
      << report;
  EXPECT_NE(report.find("#2 t0 [5,6] read read-end len=4 -> 4 [63646162]"), std::string::npos)
      << report;
  EXPECT_NE(report.find("model after it: 4 bytes in 1 of 16 slots"), std::string::npos) << report;
}

TEST(PipeLinearizabilityChecker, ReportShowsVmspliceCalls) {
  const History h = history({vmsplice_in("abcdef", 4093, 6, 1, 2), vmsplice_out(4, "abcd", 3, 4)});
  EXPECT_EQ(describe(h, 0),
            "#0 t0 [1,2] vmsplice write-end len=6 page_offset=4093 [61626364..66] -> 6");
  EXPECT_EQ(describe(h, 1), "#1 t0 [3,4] vmsplice read-end len=4 -> 4 [61626364]");
}

}  // namespace
}  // namespace pipepool::lin
