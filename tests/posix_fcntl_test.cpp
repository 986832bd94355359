// fcntl on pipes: pipe size, status flags, descriptor flags, duplication, unknown commands.
#include <linux/capability.h>
#include <sys/syscall.h>

#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

bool has_sys_resource() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE)) != 0;
}

class PosixFcntlTest : public PipeOpsTest {};

TEST_P(PosixFcntlTest, DefaultPipeSizeIs64KiBOnBothEnds) {
  OpsPipe p(ops());
  EXPECT_EQ(ops().fcntl(p.r(), F_GETPIPE_SZ), 65536);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETPIPE_SZ), 65536);
}

TEST_P(PosixFcntlTest, SetPipeSizeRoundsUpToAPowerOfTwoPages) {
  OpsPipe p(ops());
  const std::pair<int, int> cases[] = {{0, 4096},      {1, 4096},       {3000, 4096},
                                       {4096, 4096},   {4097, 8192},    {5000, 8192},
                                       {65536, 65536}, {65537, 131072}, {1 << 20, 1 << 20}};
  for (const auto& [ask, want] : cases) {
    EXPECT_EQ(ops().fcntl(p.w(), F_SETPIPE_SZ, ask), want) << ask;
    EXPECT_EQ(ops().fcntl(p.r(), F_GETPIPE_SZ), want) << ask;
  }
}

TEST_P(PosixFcntlTest, SetPipeSizeWorksOnEitherEnd) {
  OpsPipe p(ops());
  EXPECT_EQ(ops().fcntl(p.r(), F_SETPIPE_SZ, 8192), 8192);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETPIPE_SZ), 8192);
  EXPECT_EQ(ops().fcntl(p.w(), F_SETPIPE_SZ, 16384), 16384);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETPIPE_SZ), 16384);
}

TEST_P(PosixFcntlTest, ShrinkingBelowOccupancyIsEbusyAndKeepsData) {
  OpsPipe p(ops(), O_NONBLOCK);
  std::vector<char> out(3 * 4096);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(ops().write(p.w(), out.data(), out.size()), static_cast<ssize_t>(out.size()));
  EXPECT_ERRNO(EBUSY, ops().fcntl(p.r(), F_SETPIPE_SZ, 0));
  EXPECT_ERRNO(EBUSY, ops().fcntl(p.w(), F_SETPIPE_SZ, 8192));
  EXPECT_EQ(ops().fcntl(p.w(), F_GETPIPE_SZ), 65536);
  // Shrinking to exactly the occupied pages keeps the contents in order; the pipe is then full.
  EXPECT_EQ(ops().fcntl(p.w(), F_SETPIPE_SZ, 3 * 4096), 16384);
  EXPECT_EQ(ops().write(p.w(), out.data(), 4096), 4096);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), out.data(), 4096));
  std::vector<char> in(out.size());
  ASSERT_EQ(ops().read(p.r(), in.data(), in.size()), static_cast<ssize_t>(in.size()));
  EXPECT_EQ(in, out);
}

TEST_P(PosixFcntlTest, GrowingBeyondPipeMaxSizeIsEperm) {
  if (has_sys_resource()) GTEST_SKIP() << "CAP_SYS_RESOURCE may exceed pipe-max-size";
  OpsPipe p(ops());
  EXPECT_EQ(ops().fcntl(p.w(), F_SETPIPE_SZ, 1 << 20), 1 << 20);
  EXPECT_ERRNO(EPERM, ops().fcntl(p.w(), F_SETPIPE_SZ, (1 << 20) + 1));
  EXPECT_ERRNO(EPERM, ops().fcntl(p.r(), F_SETPIPE_SZ, 1 << 30));
  EXPECT_ERRNO(EPERM, ops().fcntl(p.r(), F_SETPIPE_SZ, static_cast<int>(1u << 31)));
  EXPECT_EQ(ops().fcntl(p.r(), F_GETPIPE_SZ), 1 << 20);
}

TEST_P(PosixFcntlTest, SizeAbove2GiBIsEinval) {
  // The argument is an unsigned int: -1 is 4 GiB - 1.
  OpsPipe p(ops());
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.w(), F_SETPIPE_SZ, static_cast<int>((1u << 31) + 1)));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.w(), F_SETPIPE_SZ, -1));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.r(), F_SETPIPE_SZ, -4096));
  EXPECT_EQ(ops().fcntl(p.r(), F_GETPIPE_SZ), 65536);
}

TEST_P(PosixFcntlTest, UnknownCommandIsEinval) {
  OpsPipe p(ops());
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.r(), 12345));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.w(), -1));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.w(), F_GETFL | 0x10000));
}

TEST_P(PosixFcntlTest, SetflChangesOnlyTheSettableBits) {
  OpsPipe p(ops());
  EXPECT_EQ(ops().fcntl(p.r(), F_SETFL, O_NONBLOCK | O_RDWR | O_CREAT | O_TRUNC | O_EXCL), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY);  // the other end has its own flags
  EXPECT_EQ(ops().fcntl(p.r(), F_SETFL, 0), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY);
}

TEST_P(PosixFcntlTest, SetflStoresAppendAndNoatimeWithoutEffect) {
  OpsPipe p(ops(), O_NONBLOCK);
  EXPECT_EQ(ops().fcntl(p.w(), F_SETFL, O_APPEND | O_NOATIME | O_NONBLOCK), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY | O_APPEND | O_NOATIME | O_NONBLOCK);
  EXPECT_EQ(ops().write(p.w(), "abc", 3), 3);
  char buf[4] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 3);
}

TEST_P(PosixFcntlTest, SetflNonblockMakesReadsReturnEagain) {
  OpsPipe p(ops());
  ASSERT_EQ(ops().fcntl(p.r(), F_SETFL, ops().fcntl(p.r(), F_GETFL) | O_NONBLOCK), 0);
  char buf[4];
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
}

TEST_P(PosixFcntlTest, SetflDirectSwitchesPacketModeOnTheWriteEnd) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().fcntl(p.w(), F_SETFL, O_NONBLOCK | O_DIRECT), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "defg", 4), 4);
  char buf[16] = {};
  EXPECT_EQ(ops().read(p.r(), buf, 2), 2);  // "ab"; "c" is dropped with its packet
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "defg");
  // Off again: small writes merge into one stream.
  ASSERT_EQ(ops().fcntl(p.w(), F_SETFL, O_NONBLOCK), 0);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "defg", 4), 4);
  EXPECT_EQ(ops().read(p.r(), buf, 2), 2);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "cdefg");
}

TEST_P(PosixFcntlTest, SetflDirectOnTheReadEndIsReportedButDoesNotPacketize) {
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().fcntl(p.r(), F_SETFL, O_NONBLOCK | O_DIRECT), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK | O_DIRECT);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "defg", 4), 4);
  char buf[16] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 7);
}

TEST_P(PosixFcntlTest, SetflIsSharedByDuplicates) {
  OpsPipe p(ops());
  OpsFd copy(ops(), ops().dup(p.r()));
  ASSERT_GE(copy.get(), 0);
  ASSERT_EQ(ops().fcntl(copy.get(), F_SETFL, O_NONBLOCK), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFL), O_RDONLY | O_NONBLOCK);
}

TEST_P(PosixFcntlTest, CloexecIsPerDescriptor) {
  OpsPipe p(ops(), O_CLOEXEC);
  OpsFd copy(ops(), ops().dup(p.r()));
  ASSERT_GE(copy.get(), 0);
  EXPECT_EQ(ops().fcntl(copy.get(), F_GETFD), 0);  // dup clears it
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_SETFD, 0), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), 0);
  EXPECT_EQ(ops().fcntl(p.w(), F_GETFD), FD_CLOEXEC);
  // Only FD_CLOEXEC is kept of the argument.
  EXPECT_EQ(ops().fcntl(p.r(), F_SETFD, -1), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ops().fcntl(p.r(), F_SETFD, 2), 0);
  EXPECT_EQ(ops().fcntl(p.r(), F_GETFD), 0);
}

// F_DUPFD's minimum is a number of the instance's descriptor space.
TEST_P(PosixFcntlTest, DupfdReturnsTheLowestFreeAtOrAboveTheArgument) {
  OpsPipe p(ops());
  const int base = ops().fd_base();
  OpsFd a(ops(), ops().fcntl(p.r(), F_DUPFD, base + 1000));
  OpsFd b(ops(), ops().fcntl(p.r(), F_DUPFD_CLOEXEC, base + 1000));
  EXPECT_EQ(a.get(), base + 1000);
  EXPECT_EQ(b.get(), base + 1001);
  EXPECT_EQ(ops().fcntl(a.get(), F_GETFD), 0);
  EXPECT_EQ(ops().fcntl(b.get(), F_GETFD), FD_CLOEXEC);
  // The duplicate shares the end: it reads what the writer writes.
  ASSERT_EQ(ops().write(p.w(), "dup", 3), 3);
  char buf[4] = {};
  EXPECT_EQ(ops().read(b.get(), buf, sizeof buf), 3);
  // Argument 0 is the plain dup: the lowest free descriptor.
  const int low = ops().fcntl(p.w(), F_DUPFD, 0);
  EXPECT_GE(low, base);
  EXPECT_LT(low, base + 1000);
  EXPECT_EQ(ops().close(low), 0);
}

TEST_P(PosixFcntlTest, DupfdLimitsFollowRlimitNofile) {
  const long limit = nofile_limit();
  if (limit < 0) GTEST_SKIP() << "RLIMIT_NOFILE too large to test";
  OpsPipe p(ops());
  const int base = ops().fd_base();
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.r(), F_DUPFD, base + static_cast<int>(limit)));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.r(), F_DUPFD, -1));
  EXPECT_ERRNO(EINVAL, ops().fcntl(p.r(), F_DUPFD_CLOEXEC, -1));
  OpsFd last(ops(), ops().fcntl(p.r(), F_DUPFD, base + static_cast<int>(limit - 1)));
  EXPECT_EQ(last.get(), base + limit - 1);
  EXPECT_ERRNO(EMFILE, ops().fcntl(p.r(), F_DUPFD, base + static_cast<int>(limit - 1)));
}

PIPE_OPS_INSTANTIATE(PosixFcntlTest);

// Signal-driven I/O is not modelled: pipepool refuses O_ASYNC where the kernel would arm SIGIO.
TEST(PosixFcntlPipepoolTest, SetflAsyncIsEinval) {
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, 0), 0);
  EXPECT_ERRNO(EINVAL, pp_fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK));
  EXPECT_EQ(pp_fcntl(fds[0], F_GETFL), O_RDONLY);  // unchanged
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
