// The C++ ends check iovec arguments as the C API's readv/writev do: EINVAL for more than
// kMaxIov (IOV_MAX) segments and for lengths whose total does not fit in ssize_t, after the
// wrong-side EBADF and before any EFAULT or pipe state (a would-block pipe does not hide it).
#include <fcntl.h>
#include <sys/types.h>

#include <limits>

#include "pipe_test_support.hpp"
#include "pipepool/posix.h"

namespace pipepool::test {
namespace {

class PipeHandlesIovArgs : public PipeTest {};

constexpr std::size_t kSsizeMax = static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());

TEST_P(PipeHandlesIovArgs, TooManySegmentsIsEinval) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  char byte = 'x';
  std::vector<iovec> iov(kMaxIov + 1, iovec{&byte, 0});
  iov.back().iov_len = 1;
  EXPECT_EQ(p.writer.writev(iov).error, err(EINVAL));
  EXPECT_EQ(p.reader.readv(iov).error, err(EINVAL));
  iov.pop_back();  // exactly kMaxIov is fine
  iov.back().iov_len = 1;
  const IoResult w = p.writer.writev(iov);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.count, 1u);
  const IoResult r = p.reader.readv(iov);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.count, 1u);
  // The C API agrees.
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, O_NONBLOCK), 0);
  iov.push_back({&byte, 1});
  errno = 0;
  EXPECT_EQ(pp_writev(fds[1], iov.data(), static_cast<int>(iov.size())), -1);
  EXPECT_EQ(errno, EINVAL);
  pp_close(fds[0]);
  pp_close(fds[1]);
}

TEST_P(PipeHandlesIovArgs, LengthBeyondSsizeMaxIsEinvalBeforeEfault) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  iovec huge{nullptr, kSsizeMax + 1};  // NULL would be EFAULT: EINVAL comes first
  EXPECT_EQ(p.writer.writev({&huge, 1}).error, err(EINVAL));
  EXPECT_EQ(p.reader.readv({&huge, 1}).error, err(EINVAL));
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, O_NONBLOCK), 0);
  errno = 0;
  EXPECT_EQ(pp_writev(fds[1], &huge, 1), -1);
  EXPECT_EQ(errno, EINVAL);
  pp_close(fds[0]);
  pp_close(fds[1]);
}

TEST_P(PipeHandlesIovArgs, TotalOverflowingSsizeIsEinval) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  char buf[8];
  // Each length fits in ssize_t; their sum does not (and would wrap size_t with a third).
  const iovec two[2] = {{buf, kSsizeMax / 2 + 1}, {buf, kSsizeMax / 2 + 1}};
  EXPECT_EQ(p.writer.writev(two).error, err(EINVAL));
  EXPECT_EQ(p.reader.readv(two).error, err(EINVAL));
  const iovec wrap[3] = {{buf, kSsizeMax}, {buf, kSsizeMax}, {buf, 2}};  // sums to 0 in size_t
  EXPECT_EQ(p.writer.writev(wrap).error, err(EINVAL));
  EXPECT_EQ(p.reader.readv(wrap).error, err(EINVAL));
  const iovec fits[2] = {{buf, 4}, {buf + 4, 4}};
  EXPECT_EQ(p.writer.writev(fits).count, 8u);
  EXPECT_EQ(p.reader.readv(fits).count, 8u);
}

TEST_P(PipeHandlesIovArgs, WrongSideIsEbadfFirst) {
  auto p = make(GetParam());
  std::vector<iovec> iov(kMaxIov + 1, iovec{nullptr, 0});
  EXPECT_EQ(p.writer.end()->read(iov).error, err(EBADF));
  EXPECT_EQ(p.reader.end()->write(iov).error, err(EBADF));
}

PIPEPOOL_ALL_POLICIES(PipeHandlesIovArgs);

}  // namespace
}  // namespace pipepool::test
