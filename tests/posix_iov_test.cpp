// readv / writev: odd segment layouts and the iovec argument checks.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixIovTest : public PipeOpsTest {};

TEST_P(PosixIovTest, OddLayoutsRoundTrip) {
  OpsPipe p(ops());
  std::vector<unsigned char> src(3 + 4096 + 1 + 7 + 5000);
  std::iota(src.begin(), src.end(), 1);
  unsigned char* s = src.data();
  const iovec out[] = {{s, 3},       {nullptr, 0},  {s + 3, 4096},   {s + 4099, 1},
                       {s + 100, 0}, {s + 4100, 7}, {s + 4107, 5000}};
  ASSERT_EQ(ops().writev(p.w(), out, 7), static_cast<ssize_t>(src.size()));

  std::vector<unsigned char> dst(src.size());
  unsigned char* d = dst.data();
  const iovec in[] = {{d, 1},        {d + 1, 0},       {d + 1, 5000},  {nullptr, 0},
                      {d + 5001, 2}, {d + 5003, 4000}, {d + 9003, 104}};
  std::size_t got = 0;
  ssize_t n = ops().readv(p.r(), in, 7);
  ASSERT_GT(n, 0);
  got += static_cast<std::size_t>(n);
  ASSERT_EQ(got, src.size());
  EXPECT_EQ(dst, src);
}

TEST_P(PosixIovTest, ManySmallSegmentsMergeIntoOnePage) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> bytes(1024);
  std::iota(bytes.begin(), bytes.end(), 0);
  std::vector<iovec> v(1024);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = {&bytes[i], 1};
  ASSERT_EQ(ops().writev(p.w(), v.data(), 1024), 1024);
  int n = -1;
  ASSERT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 1024);
  std::vector<char> back(1024);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = {&back[1023 - i], 1};
  ASSERT_EQ(ops().readv(p.r(), v.data(), 1024), 1024);
  std::reverse(back.begin(), back.end());
  EXPECT_EQ(back, bytes);
}

TEST_P(PosixIovTest, ZeroCountIsZero) {
  OpsPipe p(ops(), O_NONBLOCK);
  char buf[4];
  const iovec v{buf, sizeof buf};
  EXPECT_EQ(ops().readv(p.r(), nullptr, 0), 0);
  EXPECT_EQ(ops().readv(p.r(), &v, 0), 0);
  EXPECT_EQ(ops().writev(p.w(), nullptr, 0), 0);
  const iovec empty[] = {{buf, 0}, {nullptr, 0}, {buf, 0}};
  EXPECT_EQ(ops().readv(p.r(), empty, 3), 0);  // no EAGAIN for zero bytes
  EXPECT_EQ(ops().writev(p.w(), empty, 3), 0);
  p.close_read();
  EXPECT_EQ(ops().writev(p.w(), empty, 3), 0);  // nor EPIPE
}

TEST_P(PosixIovTest, CountOutOfRangeIsEinval) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<iovec> v(1025);
  std::vector<char> buf(1025);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = {&buf[i], 1};
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), v.data(), -1));
  EXPECT_ERRNO(EINVAL, ops().writev(p.w(), v.data(), -1));
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), v.data(), INT_MIN));
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), v.data(), 1025));
  EXPECT_ERRNO(EINVAL, ops().writev(p.w(), v.data(), 1025));
  EXPECT_ERRNO(EINVAL, ops().writev(p.w(), nullptr, 1025));  // the count is checked first
  EXPECT_EQ(ops().writev(p.w(), v.data(), 1024), 1024);      // IOV_MAX itself is fine
  EXPECT_EQ(ops().readv(p.r(), v.data(), 1024), 1024);
}

TEST_P(PosixIovTest, NullArrayIsEfault) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_ERRNO(EFAULT, ops().readv(p.r(), nullptr, 1));
  EXPECT_ERRNO(EFAULT, ops().writev(p.w(), nullptr, 3));
  p.close_read();
  EXPECT_ERRNO(EFAULT, ops().writev(p.w(), nullptr, 1));  // before EPIPE
}

TEST_P(PosixIovTest, NegativeSegmentLengthIsEinval) {
  OpsPipe p(ops(), O_NONBLOCK);
  char buf[8];
  const iovec one[] = {{buf, SIZE_MAX}};
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), one, 1));
  EXPECT_ERRNO(EINVAL, ops().writev(p.w(), one, 1));
  const iovec later[] = {{buf, 1}, {nullptr, std::size_t{SSIZE_MAX} + 1}};
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), later, 2));
  // A negative length anywhere wins over an out-of-range segment before it.
  const iovec order[] = {{buf, SSIZE_MAX}, {buf, SIZE_MAX}};
  EXPECT_ERRNO(EINVAL, ops().readv(p.r(), order, 2));
  EXPECT_ERRNO(EINVAL, ops().writev(p.w(), order, 2));
}

TEST_P(PosixIovTest, SegmentBeyondUserSpaceIsEfault) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(8);
  const iovec big[] = {{buf.data(), 1}, {buf.data(), std::size_t{1} << 48}};
  EXPECT_ERRNO(EFAULT, ops().readv(p.r(), big, 2));
  EXPECT_ERRNO(EFAULT, ops().writev(p.w(), big, 2));
  // Two lengths that each fit in ssize_t but overflow it together: out of user space first.
  const iovec sum[] = {{buf.data(), SSIZE_MAX}, {buf.data(), SSIZE_MAX}};
  EXPECT_ERRNO(EFAULT, ops().readv(p.r(), sum, 2));
  EXPECT_ERRNO(EFAULT, ops().writev(p.w(), sum, 2));
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 0);
}

TEST_P(PosixIovTest, TotalAboveMaxRwCountIsTruncatedNotRejected) {
  // Three 2 GiB-ish segments: the kernel caps the total at MAX_RW_COUNT and goes on.
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> buf(64);
  const iovec v[] = {{buf.data(), 1}, {buf.data() + 1, 0x7ffff000}, {buf.data(), 0x7ffff000}};
  EXPECT_ERRNO(EAGAIN, ops().readv(p.r(), v, 3));
  ASSERT_EQ(ops().write(p.w(), "abcdef", 6), 6);
  EXPECT_EQ(ops().readv(p.r(), v, 3), 6);
  EXPECT_EQ(std::string(buf.data(), 6), "abcdef");
}

PIPE_OPS_INSTANTIATE(PosixIovTest);

}  // namespace
}  // namespace pipepool::testing
