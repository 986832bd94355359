// pipepool descriptors live in their own space, above every number the kernel can hand out:
// neither kind of descriptor reaches the other's table, and the kernel's numbering rules hold
// within the space.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <vector>

#include "internal/fd_table.hpp"
#include "pipe_ops.hpp"
#include "pipepool/posix.h"

namespace pipepool::testing {
namespace {

using internal::FdTable;

long nr_open() {
  std::FILE* f = std::fopen("/proc/sys/fs/nr_open", "r");
  if (f == nullptr) return -1;
  long v = -1;
  if (std::fscanf(f, "%ld", &v) != 1) v = -1;
  std::fclose(f);
  return v;
}

int base() {
  return FdTable::global().base();
}

TEST(PosixFdSpaceTest, BaseIsAboveEveryKernelDescriptor) {
  const long nr = nr_open();
  if (nr < 0) GTEST_SKIP() << "no /proc/sys/fs/nr_open";
  EXPECT_GE(base(), 1 << 30);
  EXPECT_GE(static_cast<long>(base()), nr);
  OpsPipe p(kPipepoolOps);
  EXPECT_GE(p.r(), base());
  EXPECT_GE(p.w(), base());
  // The kernel refuses the number outright: no descriptor can be installed there.
  EXPECT_EQ(::fcntl(0, F_DUPFD, p.r()), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(PosixFdSpaceTest, BaseForAnyNrOpen) {
  EXPECT_EQ(FdTable::base_for(-1), 1 << 30);
  EXPECT_EQ(FdTable::base_for(1048576), 1 << 30);
  EXPECT_EQ(FdTable::base_for((1L << 30) + 64), (1 << 30) + 64);
  // The kernel's largest nr_open: INT_MAX rounded down to 64, still 64 numbers above it.
  EXPECT_EQ(FdTable::base_for(INT_MAX & ~63), INT_MAX & ~63);
  EXPECT_EQ(FdTable::base_for(LONG_MAX), INT_MAX - 63);
}

TEST(PosixFdSpaceTest, KernelCallsOnPipepoolDescriptorsFailWithEbadf) {
  OpsPipe p(kPipepoolOps);
  char c = 'x';
  errno = 0;
  EXPECT_EQ(::write(p.w(), &c, 1), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(::read(p.r(), &c, 1), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(::close(p.r()), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(::fcntl(p.w(), F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
  // The pipe is untouched.
  EXPECT_EQ(pp_write(p.w(), "ok", 2), 2);
  char buf[2] = {};
  EXPECT_EQ(pp_read(p.r(), buf, 2), 2);
}

TEST(PosixFdSpaceTest, PipepoolCallsOnKernelDescriptorsFailWithEbadf) {
  OpsPipe k(kKernelOps);
  char c = 'x';
  int n = 0;
  EXPECT_ERRNO(EBADF, pp_write(k.w(), &c, 1));
  EXPECT_ERRNO(EBADF, pp_read(k.r(), &c, 1));
  EXPECT_ERRNO(EBADF, pp_close(k.r()));
  EXPECT_ERRNO(EBADF, pp_dup(k.w()));
  EXPECT_ERRNO(EBADF, pp_fcntl(k.w(), F_GETFL));
  EXPECT_ERRNO(EBADF, pp_ioctl(k.r(), FIONREAD, &n));
  for (int fd : {0, 1, 2}) EXPECT_ERRNO(EBADF, pp_fcntl(fd, F_GETFD));
  pollfd pfd{k.r(), POLLIN, 0};
  EXPECT_EQ(pp_poll(&pfd, 1, 0), 1);
  EXPECT_EQ(pfd.revents, POLLNVAL);
  // The kernel pipe is untouched.
  EXPECT_EQ(::write(k.w(), "ok", 2), 2);
  char buf[2] = {};
  EXPECT_EQ(::read(k.r(), buf, 2), 2);
}

TEST(PosixFdSpaceTest, LowestFreeNumberIsReused) {
  OpsPipe a(kPipepoolOps);
  OpsPipe b(kPipepoolOps);
  const int freed = a.r();
  a.close_read();
  OpsFd copy(kPipepoolOps, pp_dup(b.w()));
  EXPECT_EQ(copy.get(), freed);
}

TEST(PosixFdSpaceTest, DupfdMinimumBelowTheBaseMeansTheBase) {
  OpsPipe p(kPipepoolOps);
  const int lowest = pp_dup(p.r());
  ASSERT_GE(lowest, base());
  ASSERT_EQ(pp_close(lowest), 0);
  for (int from : {0, 5, 1 << 20, base() - 1}) {
    const int fd = pp_fcntl(p.r(), F_DUPFD, from);
    EXPECT_EQ(fd, lowest) << "minimum " << from;
    EXPECT_EQ(pp_close(fd), 0);
  }
}

// RLIMIT_NOFILE bounds the numbers counted from the base, as it bounds the kernel's from 0.
TEST(PosixFdSpaceTest, RlimitNofileLimitsTheSpace) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  constexpr int kLimit = 16;
  if (saved.rlim_cur < kLimit) GTEST_SKIP() << "RLIMIT_NOFILE below " << kLimit;
  if (FdTable::global().open_count() != 0) GTEST_SKIP() << "descriptors left open by other tests";
  rlimit low = saved;
  low.rlim_cur = kLimit;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fds[2];
  std::vector<int> open;
  const int r = pp_pipe(fds);
  if (r == 0) open.assign({fds[0], fds[1]});
  int fd = -1;
  while (r == 0 && (fd = pp_dup(fds[1])) >= 0) open.push_back(fd);
  const int dup_errno = errno;
  errno = 0;
  const int pipe_r = pp_pipe(fds);
  const int pipe_errno = errno;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int d : open) EXPECT_EQ(pp_close(d), 0);
  ASSERT_EQ(r, 0);
  EXPECT_EQ(dup_errno, EMFILE);
  EXPECT_EQ(pipe_r, -1);
  EXPECT_EQ(pipe_errno, EMFILE);
  ASSERT_EQ(open.size(), static_cast<std::size_t>(kLimit));
  EXPECT_EQ(open.front(), base());
  EXPECT_EQ(open.back(), base() + kLimit - 1);
}

}  // namespace
}  // namespace pipepool::testing
