// read / write: round trip, zero-length calls, EFAULT, non-blocking EAGAIN, EOF, EPIPE, and the
// count limits.
#include <climits>
#include <cstdint>
#include <numeric>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixRwTest : public PipeOpsTest {
 protected:
  // Fills a non-blocking pipe; returns the bytes it took.
  std::size_t fill(int w) {
    std::vector<char> chunk(4096, 'f');
    std::size_t total = 0;
    for (;;) {
      const ssize_t n = ops().write(w, chunk.data(), chunk.size());
      if (n < 0) {
        EXPECT_EQ(errno, EAGAIN);
        return total;
      }
      total += static_cast<std::size_t>(n);
    }
  }
};

TEST_P(PosixRwTest, RoundTripKeepsBytesInOrder) {
  OpsPipe p(ops());
  std::vector<unsigned char> out(10000);
  std::iota(out.begin(), out.end(), 0);
  ASSERT_EQ(ops().write(p.w(), out.data(), out.size()), static_cast<ssize_t>(out.size()));
  std::vector<unsigned char> in(out.size());
  std::size_t got = 0;
  while (got < in.size()) {
    const ssize_t n = ops().read(p.r(), in.data() + got, 3000);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(in, out);
}

TEST_P(PosixRwTest, ZeroLengthCallsReturnZero) {
  OpsPipe p(ops(), O_NONBLOCK);
  char buf[1];
  EXPECT_EQ(ops().write(p.w(), buf, 0), 0);
  EXPECT_EQ(ops().write(p.w(), nullptr, 0), 0);
  // Even on an empty non-blocking pipe, a zero-length read does not report EAGAIN.
  EXPECT_EQ(ops().read(p.r(), buf, 0), 0);
  EXPECT_EQ(ops().read(p.r(), nullptr, 0), 0);
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 0);
}

TEST_P(PosixRwTest, ZeroLengthWriteWithoutReaderIsZeroNotEpipe) {
  OpsPipe p(ops());
  p.close_read();
  char buf[1] = {'x'};
  EXPECT_EQ(ops().write(p.w(), buf, 0), 0);
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), buf, 1));
}

TEST_P(PosixRwTest, NullBufferWithCountIsEfault) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_ERRNO(EFAULT, ops().write(p.w(), nullptr, 10));
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  EXPECT_ERRNO(EFAULT, ops().read(p.r(), nullptr, 10));
}

TEST_P(PosixRwTest, NonblockingReadOnEmptyPipeIsEagain) {
  OpsPipe p(ops(), O_NONBLOCK);
  char buf[16];
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
}

TEST_P(PosixRwTest, NonblockingWriteOnFullPipeIsEagain) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_EQ(fill(p.w()), 65536u);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), "x", 1));
  // One byte read frees nothing (the page is still in use); a page read frees a slot.
  std::vector<char> buf(4096);
  EXPECT_EQ(ops().read(p.r(), buf.data(), 1), 1);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), buf.data(), 4096));
  EXPECT_EQ(ops().read(p.r(), buf.data(), 4095), 4095);
  EXPECT_EQ(ops().write(p.w(), buf.data(), 4096), 4096);
}

TEST_P(PosixRwTest, NonblockingWriteLargerThanRoomIsPartial) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> big(100000, 'b');
  EXPECT_EQ(ops().write(p.w(), big.data(), big.size()), 65536);
}

TEST_P(PosixRwTest, ReadReturnsWhatIsThereWithoutWaitingForMore) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "hello", 5), 5);
  char buf[100] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "hello");
}

TEST_P(PosixRwTest, EofAfterWriterCloseOnceDrained) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "tail", 4), 4);
  p.close_write();
  char buf[16];
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 4);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 0);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 0);
}

TEST_P(PosixRwTest, EofOnlyWhenEveryWriterDescriptorIsClosed) {
  OpsPipe p(ops());
  const int copy = ops().dup(p.w());
  ASSERT_GE(copy, 0);
  p.close_write();
  ASSERT_EQ(ops().fcntl(p.r(), F_SETFL, O_NONBLOCK), 0);
  char buf[4];
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
  EXPECT_EQ(ops().close(copy), 0);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 0);
}

TEST_P(PosixRwTest, EpipeAfterReaderClose) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  p.close_read();
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), "def", 3));
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), nullptr, 3));  // no readers is checked before the copy
}

TEST_P(PosixRwTest, BlockedReadWakesForAWriterInAnotherThread) {
  Watchdog dog;
  OpsPipe p(ops());
  char buf[16] = {};
  ssize_t got = -2;
  std::thread reader([&] { got = ops().read(p.r(), buf, sizeof buf); });
  ASSERT_EQ(ops().write(p.w(), "wake", 4), 4);
  reader.join();
  EXPECT_EQ(got, 4);
  EXPECT_STREQ(buf, "wake");
}

TEST_P(PosixRwTest, BlockedReadSeesEofWhenTheWriterCloses) {
  Watchdog dog;
  OpsPipe p(ops());
  char buf[16];
  ssize_t got = -2;
  std::thread reader([&] { got = ops().read(p.r(), buf, sizeof buf); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.close_write();
  reader.join();
  EXPECT_EQ(got, 0);
}

TEST_P(PosixRwTest, BlockedWriteFinishesWhenTheReaderDrains) {
  Watchdog dog;
  OpsPipe p(ops());
  std::vector<char> big(200000, 'z');
  ssize_t put = -2;
  std::thread writer([&] { put = ops().write(p.w(), big.data(), big.size()); });
  std::vector<char> in(big.size());
  std::size_t got = 0;
  while (got < in.size()) {
    const ssize_t n = ops().read(p.r(), in.data() + got, in.size() - got);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  writer.join();
  EXPECT_EQ(put, static_cast<ssize_t>(big.size()));
  EXPECT_EQ(in, big);
}

TEST_P(PosixRwTest, BlockedWriteFailsWithEpipeWhenTheReaderCloses) {
  Watchdog dog;
  OpsPipe p(ops());
  std::vector<char> big(65536, 'q');
  ASSERT_EQ(ops().write(p.w(), big.data(), big.size()), 65536);  // full
  ssize_t put = -2;
  int err = 0;
  std::thread writer([&] {
    put = ops().write(p.w(), big.data(), 10);
    err = errno;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.close_read();
  writer.join();
  EXPECT_EQ(put, -1);
  EXPECT_EQ(err, EPIPE);
}

TEST_P(PosixRwTest, CountBeyondUserSpaceIsEfault) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(64, 'c');
  ASSERT_EQ(ops().write(p.w(), buf.data(), 3), 3);
  for (const std::size_t count : {SIZE_MAX, std::size_t{SSIZE_MAX} + 1, std::size_t{1} << 48}) {
    SCOPED_TRACE(count);
    EXPECT_ERRNO(EFAULT, ops().read(p.r(), buf.data(), count));
    EXPECT_ERRNO(EFAULT, ops().write(p.w(), buf.data(), count));
  }
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 3);
}

TEST_P(PosixRwTest, HugeReadCountIsClampedNotRejected) {
  // Above INT_MAX the kernel clamps a read to MAX_RW_COUNT: it returns what the pipe holds.
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(64, 0);
  ASSERT_EQ(ops().write(p.w(), "clamp", 5), 5);
  EXPECT_EQ(ops().read(p.r(), buf.data(), std::size_t{1} << 31), 5);
  ASSERT_EQ(ops().write(p.w(), "again", 5), 5);
  EXPECT_EQ(ops().read(p.r(), buf.data(), std::size_t{UINT_MAX} + 7), 5);
  EXPECT_EQ(std::string(buf.data(), 5), "again");
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf.data(), std::size_t{1} << 31));
}

PIPE_OPS_INSTANTIATE(PosixRwTest);

}  // namespace
}  // namespace pipepool::testing
