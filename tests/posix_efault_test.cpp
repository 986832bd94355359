// EFAULT from a NULL buffer happens where the kernel's copy faults: the pipe's state (no
// readers, EOF, empty, full) is checked first, and a failed copy consumes or stores nothing.
#include <string>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixEfaultTest : public PipeOpsTest {
 protected:
  int available(int r) {
    int n = -1;
    EXPECT_EQ(ops().ioctl(r, FIONREAD, &n), 0);
    return n;
  }
  // writev of `len` good bytes, then a NULL segment of 10 bytes.
  ssize_t writev_then_null(int w, std::vector<char>& good, std::size_t len) {
    const iovec v[] = {{good.data(), len}, {nullptr, 10}};
    return ops().writev(w, v, 2);
  }
};

TEST_P(PosixEfaultTest, NullReadOnEmptyNonblockingPipeIsEagain) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), nullptr, 10));
  const iovec v{nullptr, 10};
  EXPECT_ERRNO(EAGAIN, ops().readv(p.r(), &v, 1));
}

TEST_P(PosixEfaultTest, NullReadAtEofIsZero) {
  OpsPipe p(ops());
  p.close_write();
  EXPECT_EQ(ops().read(p.r(), nullptr, 10), 0);
  const iovec v{nullptr, 10};
  EXPECT_EQ(ops().readv(p.r(), &v, 1), 0);
}

TEST_P(PosixEfaultTest, NullReadWithDataIsEfaultAndConsumesNothing) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "0123456789", 10), 10);
  EXPECT_ERRNO(EFAULT, ops().read(p.r(), nullptr, 4));
  EXPECT_EQ(available(p.r()), 10);
  p.close_write();  // data first, then EOF: still EFAULT
  EXPECT_ERRNO(EFAULT, ops().read(p.r(), nullptr, 4));
  char buf[16] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 10);
  EXPECT_STREQ(buf, "0123456789");
}

TEST_P(PosixEfaultTest, BlockedNullReadFaultsWhenDataArrives) {
  Watchdog dog;
  OpsPipe p(ops());
  ssize_t got = -2;
  int err = 0;
  std::thread reader([&] {
    got = ops().read(p.r(), nullptr, 10);
    err = errno;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(ops().write(p.w(), "data", 4), 4);
  reader.join();
  EXPECT_EQ(got, -1);
  EXPECT_EQ(err, EFAULT);
  EXPECT_EQ(available(p.r()), 4);
}

TEST_P(PosixEfaultTest, NullWriteIsEfaultAndStoresNothing) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_ERRNO(EFAULT, ops().write(p.w(), nullptr, 10));
  EXPECT_ERRNO(EFAULT, ops().write(p.w(), nullptr, 5000));
  const iovec v{nullptr, 1};
  EXPECT_ERRNO(EFAULT, ops().writev(p.w(), &v, 1));
  EXPECT_EQ(available(p.r()), 0);
}

TEST_P(PosixEfaultTest, NullWriteWithoutReadersIsEpipe) {
  OpsPipe p(ops());
  p.close_read();
  EXPECT_ERRNO(EPIPE, ops().write(p.w(), nullptr, 10));
  const iovec v{nullptr, 1};
  EXPECT_ERRNO(EPIPE, ops().writev(p.w(), &v, 1));
}

TEST_P(PosixEfaultTest, NullWriteOnFullNonblockingPipeIsEagain) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> page(4096, 'p');
  for (int i = 0; i < 16; ++i) ASSERT_EQ(ops().write(p.w(), page.data(), page.size()), 4096);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), nullptr, 10));
}

TEST_P(PosixEfaultTest, WritevStoresTheWholePagesBeforeANullSegment) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(8192, 'w');
  EXPECT_EQ(writev_then_null(p.w(), buf, 4096), 4096);
  EXPECT_EQ(available(p.r()), 4096);
  // The bytes before the NULL segment do not fill a page: nothing is stored.
  EXPECT_ERRNO(EFAULT, writev_then_null(p.w(), buf, 100));
  EXPECT_EQ(available(p.r()), 4096);
  // A page and a bit: the page is stored, the bit is not.
  EXPECT_EQ(writev_then_null(p.w(), buf, 4200), 4096);
  EXPECT_EQ(available(p.r()), 8192);
}

TEST_P(PosixEfaultTest, ReadvFaultInsideABufferConsumesNothing) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "0123456789", 10), 10);
  char buf[5] = {};
  const iovec v[] = {{buf, 5}, {nullptr, 5}};
  EXPECT_ERRNO(EFAULT, ops().readv(p.r(), v, 2));
  EXPECT_EQ(available(p.r()), 10);
}

TEST_P(PosixEfaultTest, ReadvReturnsDataThatEndsBeforeANullSegment) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  char buf[5] = {};
  const iovec v[] = {{buf, 5}, {nullptr, 5}};
  EXPECT_EQ(ops().readv(p.r(), v, 2), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
  EXPECT_ERRNO(EAGAIN, ops().readv(p.r(), v, 2));
}

TEST_P(PosixEfaultTest, NullWriteThatWouldMergeIntoAFullPipeIsEfault) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> page(4096, 'p');
  for (int i = 0; i < 15; ++i) ASSERT_EQ(ops().write(p.w(), page.data(), page.size()), 4096);
  ASSERT_EQ(ops().write(p.w(), page.data(), 100), 100);  // every slot used, room in the last
  EXPECT_ERRNO(EFAULT, ops().write(p.w(), nullptr, 10));
  EXPECT_ERRNO(EFAULT, ops().write(p.w(), nullptr, 5000));  // its 904-byte tail would merge
  EXPECT_EQ(available(p.r()), 15 * 4096 + 100);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), nullptr, 4096));  // no tail: waits for a slot
}

TEST_P(PosixEfaultTest, WritevKeepsTheMergedTailBeforeAFault) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(8192, 'w');
  ASSERT_EQ(ops().write(p.w(), buf.data(), 100), 100);
  // 4210 bytes: the 114-byte tail merges first, then the page that would cross the fault fails.
  EXPECT_EQ(writev_then_null(p.w(), buf, 4200), 114);
  EXPECT_EQ(available(p.r()), 214);
  // A merge that would cross the fault fails the whole call.
  EXPECT_ERRNO(EFAULT, writev_then_null(p.w(), buf, 100));
  EXPECT_EQ(available(p.r()), 214);
}

TEST_P(PosixEfaultTest, ReadvFaultCopiesIntoTheGoodSegmentButConsumesNothing) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "0123456789", 10), 10);
  char buf[5] = {'-', '-', '-', '-', '-'};
  const iovec v[] = {{buf, 5}, {nullptr, 5}};
  EXPECT_ERRNO(EFAULT, ops().readv(p.r(), v, 2));
  EXPECT_EQ(std::string(buf, 5), "01234");
  EXPECT_EQ(available(p.r()), 10);
}

TEST_P(PosixEfaultTest, ReadvFaultInALaterBufferReturnsTheEarlierOnes) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> page(4090, 'a');
  ASSERT_EQ(ops().write(p.w(), page.data(), page.size()), 4090);
  ASSERT_EQ(ops().write(p.w(), "0123456789", 10), 10);    // no room to merge: a second buffer
  ASSERT_EQ(ops().read(p.r(), page.data(), 4088), 4088);  // 2 bytes left in the first
  char buf[4] = {'-', '-', '-', '-'};
  const iovec v[] = {{buf, 4}, {nullptr, 5}};
  EXPECT_EQ(ops().readv(p.r(), v, 2), 2);
  EXPECT_EQ(std::string(buf, 4), "aa01");  // the second buffer's first bytes were copied too
  EXPECT_EQ(available(p.r()), 10);
}

PIPE_OPS_INSTANTIATE(PosixEfaultTest);

}  // namespace
}  // namespace pipepool::testing
