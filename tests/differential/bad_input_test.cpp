// Bad input on the C API, kernel vs pipepool: NULL buffers with non-zero lengths, huge counts,
// negative and out-of-range descriptors, unknown fcntl commands and ioctl requests, bad iovec
// counts, poll on descriptors that are not open. Each call must return what the kernel returns,
// and afterwards the pipe must still work (a write and a read, with the state compared).
#include <gtest/gtest.h>

#include <climits>
#include <csignal>
#include <cstdint>

#include "differential/diff_harness.hpp"

namespace pipepool::differential {
namespace {

Op null_buf(Op op) {
  op.null_buf = true;
  return op;
}
Op with_count(Op op, std::size_t count) {
  op.count = count;
  return op;
}
Op with_null_base(Op op, int index) {
  op.null_base = index;
  return op;
}
// The op's "NULL" buffer or base is `addr` instead: another address in the first page.
Op at(Op op, std::uintptr_t addr) {
  op.bad_addr = addr;
  return op;
}

// The pipe still works and nothing leaked into it.
const std::vector<Op> kStillWorks{W(10), R(100), R(1)};

void run_each_then_check(const std::vector<Op>& bad, int flags = 0) {
  Differ d(0, flags, current_test_name());
  for (const Op& op : bad) {
    if (!d.step(op) || !d.run(kStillWorks)) return;
  }
}

// On an empty pipe, a pipe with data, a full pipe, and with the other end closed.
void run_in_every_state(const std::vector<Op>& bad) {
  run_each_then_check(bad);
  run_each_then_check(cat({{W(100)}, bad}));
  run_each_then_check(cat({repeat(W(4096), 16), bad}));
  {
    Differ d(0, 0, current_test_name() + "/reader closed");
    d.run(cat({{Close(0)}, bad}));
  }
  {
    Differ d(0, 0, current_test_name() + "/writer closed");
    d.run(cat({{W(50), Close(1)}, bad}));
  }
}

TEST(DifferentialBadInput, NullBufferNonZeroLength) {
  run_in_every_state({null_buf(W(8192)), null_buf(W(10)), null_buf(W(5000)), null_buf(R(10)),
                      null_buf(R(5000)), with_null_base(Wv({4096}), 0), with_null_base(Rv({10}), 0),
                      with_null_base(Wv({0, 8192}), 1), with_null_base(Rv({0, 10}), 1),
                      null_buf(Wv({10})), null_buf(Rv({10}))});
}

// A short NULL write when every slot is used but the last page has room: the kernel tries to
// merge (and faults), so EFAULT rather than EAGAIN.
TEST(DifferentialBadInput, NullWriteIntoFullPipeWithRoomInLastPage) {
  EXPECT_TRUE(run_scenario(cat({repeat(W(4096), 15), {W(100), null_buf(W(10)), W(10), R(1)}})));
  EXPECT_TRUE(
      run_scenario(cat({repeat(W(4096), 15), {W(100), null_buf(W(5000)), W(10), R(4096)}})));
}

TEST(DifferentialBadInput, NullWriteWithRoomInLastPage) {
  EXPECT_TRUE(run_scenario({W(100), null_buf(W(10)), with_null_base(Wv({10}), 0), W(10), R(1000)}));
}

// readv whose second segment has a NULL base: the kernel copies into the first segment, faults,
// returns EFAULT and leaves the data in the pipe (the first segment keeps the copied bytes).
TEST(DifferentialBadInput, ReadvFaultAfterGoodSegment) {
  EXPECT_TRUE(run_scenario({W(50), with_null_base(Rv({5, 10}), 1), R(100)}));
}

// The buffer after the first pipe buffer faults: readv returns the first buffer's bytes, the
// second buffer stays whole, and the bytes copied from it before the fault stay in the segment.
TEST(DifferentialBadInput, ReadvFaultInALaterBuffer) {
  const std::vector<Op> two_buffers{W(4090), W(10), R(4088)};  // 2 bytes, then 10 bytes
  EXPECT_TRUE(run_scenario(cat({two_buffers, {with_null_base(Rv({4, 5}), 1), R(100)}})));
  EXPECT_TRUE(run_scenario(cat({two_buffers, {with_null_base(Rv({5, 5}), 1), R(100)}})));
  EXPECT_TRUE(run_scenario(cat({two_buffers, {with_null_base(Rv({2, 5}), 1), R(100)}})));
}

// A packet that faults part-way stays whole in the pipe.
TEST(DifferentialBadInput, ReadvFaultInsideAPacket) {
  EXPECT_TRUE(
      run_scenario({W(10), W(20), with_null_base(Rv({5, 10}), 1), R(100), R(100)}, O_DIRECT));
}

// writev faulting after good bytes: the tail merged into the last page and the whole pages
// before the fault are stored; a page that would cross the fault is not; a merge that would
// cross it fails the whole call.
TEST(DifferentialBadInput, WritevFaultAfterGoodSegments) {
  for (const std::vector<std::size_t>& iov : std::vector<std::vector<std::size_t>>{
           {100, 10}, {4096, 10}, {4200, 10}, {5000, 10}, {8192, 4096, 10}, {0, 4000, 0, 10}}) {
    const Op bad = with_null_base(Wv(iov), static_cast<int>(iov.size()) - 1);
    EXPECT_TRUE(run_scenario({bad, R(20000), R(1)}));
    EXPECT_TRUE(run_scenario({W(100), bad, R(20000), R(1)}));
    EXPECT_TRUE(run_scenario(cat({repeat(W(4096), 14), {W(100), bad, R(70000), R(1)}})));
    EXPECT_TRUE(run_scenario({W(100), bad, R(20000), R(1)}, O_DIRECT));
  }
}

// Other addresses in the first page fault like NULL.
TEST(DifferentialBadInput, FirstPageAddresses) {
  std::vector<Op> ops;
  for (std::uintptr_t addr : {1, 8, 4095}) {
    ops.insert(ops.end(), {at(null_buf(W(10)), addr), at(null_buf(R(10)), addr),
                           at(with_null_base(Wv({100, 10}), 1), addr),
                           at(with_null_base(Rv({5, 10}), 1), addr)});
  }
  run_in_every_state(ops);
}

TEST(DifferentialBadInput, NullIovArrayWithZeroCount) {
  Op w = null_buf(Wv({}));
  Op r = null_buf(Rv({}));
  run_in_every_state({w, r});
}

// Counts access_ok() rejects; the buffer is large enough that a wrong copy stays in bounds.
TEST(DifferentialBadInput, HugeCountsOnEmptyPipe) {
  const std::size_t huge[] = {SIZE_MAX, static_cast<std::size_t>(SSIZE_MAX) + 1,
                              static_cast<std::size_t>(SSIZE_MAX)};
  std::vector<Op> ops;
  for (std::size_t n : huge) ops.insert(ops.end(), {with_count(W(16), n), with_count(R(16), n)});
  run_each_then_check(ops);
}

TEST(DifferentialBadInput, HugeCountsWithData) {
  const std::size_t huge[] = {SIZE_MAX, static_cast<std::size_t>(SSIZE_MAX) + 1};
  std::vector<Op> ops{W(100)};
  for (std::size_t n : huge) ops.push_back(with_count(R(70000), n));
  ops.push_back(R(1000));
  run_each_then_check(ops);
}

// An iovec segment of a huge length (the sum overflows ssize_t, or the range leaves user space):
// writev and readv on a pipe holding 100 bytes. Called directly on both sides, since the harness
// sizes buffers from segment lengths; the buffer is large enough that a wrong copy stays in it.
TEST(DifferentialBadInput, HugeIovLengths) {
  std::signal(SIGPIPE, SIG_IGN);
  for (std::size_t n : {SIZE_MAX, static_cast<std::size_t>(SSIZE_MAX) + 1,
                        static_cast<std::size_t>(SSIZE_MAX) - 5}) {
    for (bool is_read : {false, true}) {
      long ret[2];
      int err[2];
      std::size_t left[2];
      for (int side = 0; side < 2; ++side) {
        const PipeOps& api = side == 0 ? kKernelOps : kPipepoolOps;
        int fds[2];
        ASSERT_EQ(api.pipe2(fds, O_NONBLOCK), 0) << api.name;
        std::vector<unsigned char> buf(70000, 0x5a);
        ASSERT_EQ(api.write(fds[1], buf.data(), 100), 100) << api.name;
        iovec iov[2] = {{buf.data(), 10}, {buf.data() + 10, n}};
        errno = 0;
        ret[side] = is_read ? api.readv(fds[0], iov, 2) : api.writev(fds[1], iov, 2);
        err[side] = ret[side] == -1 ? errno : 0;
        int queued = -1;
        EXPECT_EQ(api.ioctl(fds[0], FIONREAD, &queued), 0);
        left[side] = static_cast<std::size_t>(queued);
        EXPECT_EQ(api.close(fds[0]), 0);
        EXPECT_EQ(api.close(fds[1]), 0);
      }
      EXPECT_EQ(ret[0], ret[1]) << (is_read ? "readv" : "writev") << " segment length " << n;
      EXPECT_EQ(err[0], err[1]) << (is_read ? "readv" : "writev") << " segment length " << n;
      EXPECT_EQ(left[0], left[1]) << (is_read ? "readv" : "writev") << " segment length " << n;
    }
  }
}

TEST(DifferentialBadInput, BadDescriptors) {
  const int unused = unused_fd();
  std::vector<Op> ops;
  for (int fd : {-1, -2, INT_MIN, INT_MAX, 1 << 20, unused}) {
    // The unused number is an offset into each descriptor space; the others are absolute.
    const auto raw = [&](Op op) { return fd == unused ? InSpace(OnRaw(op, fd)) : OnRaw(op, fd); };
    ops.insert(ops.end(),
               {raw(W(1)), raw(R(1)), raw(Wv({1})), raw(Rv({1})), raw(Dup(0)), raw(Close(0)),
                raw(Fcntl(0, F_GETFL)), raw(Fcntl(0, F_SETFL, O_NONBLOCK)), raw(Resize(8192)),
                raw(Ioctl(0, FIONREAD)), raw(null_buf(W(10))), raw(Fcntl(0, 9999))});
  }
  run_each_then_check(ops);
}

TEST(DifferentialBadInput, UnknownFcntlCommands) {
  std::vector<Op> ops;
  for (int slot : {0, 1}) {
    for (int cmd : {-1, 9999, 1024 + 100, INT_MAX, INT_MIN}) ops.push_back(Fcntl(slot, cmd, 0));
  }
  run_each_then_check(ops);
}

TEST(DifferentialBadInput, UnknownIoctlRequests) {
  run_each_then_check({Ioctl(0, 0x12345678), Ioctl(1, 0x5401 /* TCGETS */),
                       Ioctl(0, FIONREAD, true), Ioctl(1, FIONREAD, true)});
}

TEST(DifferentialBadInput, BadIovcnt) {
  std::vector<Op> ops;
  for (int n : {-1, -1000, INT_MIN, IOV_MAX + 1, INT_MAX}) {
    Op w = Wv(std::vector<std::size_t>(IOV_MAX + 1, 1));
    w.iovcnt = n;
    Op r = Rv(std::vector<std::size_t>(IOV_MAX + 1, 1));
    r.iovcnt = n;
    if (n != INT_MAX) ops.insert(ops.end(), {w, r});
  }
  run_in_every_state(ops);
}

TEST(DifferentialBadInput, PollOnDescriptorsNotOpen) {
  const int unused = unused_fd();
  std::vector<Op> ops;
  for (int slot : {0, 1}) {
    ops.push_back(InSpace(PollWith(slot, unused)));
    for (int fd : {INT_MAX, 1 << 20, -1, -5}) ops.push_back(PollWith(slot, fd));
  }
  run_in_every_state(ops);
}

TEST(DifferentialBadInput, BadResizeArguments) {
  run_in_every_state(
      {Resize(-1), Resize(INT_MIN), Resize(LONG_MAX), Resize(LONG_MIN), Resize(-1, 0)});
}

TEST(DifferentialBadInput, SetflWithUnknownBits) {
  // Bits F_SETFL ignores (access mode, creation flags) must not change F_GETFL.
  run_each_then_check({SetFl(1, O_NONBLOCK | O_RDWR), SetFl(0, O_NONBLOCK | O_CREAT | O_TRUNC),
                       SetFl(1, O_NONBLOCK | O_APPEND), SetFl(0, O_NONBLOCK | O_NOATIME),
                       SetFl(1, O_NONBLOCK | O_DIRECT | O_NOATIME)});
}

}  // namespace
}  // namespace pipepool::differential
