// pp_pipe_opts with PP_O_SHARED: the legacy policy (the default here) with its tmp_page cache
// size, O_NONBLOCK and O_CLOEXEC are accepted; another policy, an explicit allocator, the
// parallel copy mode and O_DIRECT fail with EINVAL and make no descriptor; the calls that take
// only ordinary pipes fail with EINVAL on a shared pipe's descriptor.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/uio.h>

#include "internal/fd_table.hpp"
#include "internal/shared_layout.hpp"
#include "internal/shared_pipe.hpp"
#include "shared_support.hpp"

namespace pipepool::testing {
namespace {

TEST(SharedOptions, AcceptedCombinations) {
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED | O_NONBLOCK | O_CLOEXEC), 0);
  EXPECT_EQ(pp_fcntl(fds[0], F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(pp_fcntl(fds[1], F_GETFL), O_WRONLY | O_NONBLOCK);
  EXPECT_EQ(pp_fcntl(fds[0], F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(pp_fcntl(fds[1], F_SETFL, 0), 0);
  EXPECT_EQ(pp_fcntl(fds[1], F_GETFL), O_WRONLY);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);

  pp_options o{};
  o.policy = PP_POLICY_LEGACY;
  o.copy = PP_COPY_KERNEL;
  o.legacy_cache = 1;
  ASSERT_EQ(pp_pipe_opts(fds, PP_O_SHARED, &o), 0);
  const auto end = internal::FdTable::global().get_shared(fds[0]);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->header().cache_size, 1u);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST(SharedOptions, UnavailableChoicesAreEinval) {
  const int open_before = internal::FdTable::global().open_count();
  int fds[2];
  pp_options o{};
  o.policy = PP_POLICY_UNIFIED;
  errno = 0;
  EXPECT_EQ(pp_pipe_opts(fds, PP_O_SHARED, &o), -1);
  EXPECT_EQ(errno, EINVAL);
  o = pp_options{};
  o.allocator = PP_ALLOCATOR_HEAP;
  errno = 0;
  EXPECT_EQ(pp_pipe_opts(fds, PP_O_SHARED, &o), -1);
  EXPECT_EQ(errno, EINVAL);
  o = pp_options{};
  o.copy = PP_COPY_PARALLEL;
  errno = 0;
  EXPECT_EQ(pp_pipe_opts(fds, PP_O_SHARED, &o), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(pp_pipe2(fds, PP_O_SHARED | O_DIRECT), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(internal::FdTable::global().open_count(), open_before);
}

TEST(SharedOptions, OrdinaryOnlyCallsAreEinval) {
  int fds[2];
  ASSERT_EQ(pp_pipe2(fds, PP_O_SHARED), 0);
  errno = 0;
  EXPECT_EQ(pp_event_fd(fds[0]), -1);
  EXPECT_EQ(errno, EINVAL);
  char c = 'x';
  iovec v{&c, 1};
  errno = 0;
  EXPECT_EQ(pp_vmsplice(fds[1], &v, 1, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(pp_fcntl(fds[1], F_SETFL, O_DIRECT), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
