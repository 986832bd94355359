// pp_pipe_opts rejects pool sizes that PoolSizes' validate() rejects once 0s are the defaults:
// EINVAL, with no descriptor made, whatever the policy.
#include <gtest/gtest.h>

#include "internal/fd_table.hpp"
#include "pipe_ops.hpp"
#include "posix_pool_sizes_support.hpp"

namespace pipepool::testing {
namespace {

// 0 when a pipe is made with `opts` (and closed again), else errno.
int made(const pp_options& opts) {
  int fds[2];
  errno = 0;
  if (pp_pipe_opts(fds, 0, &opts) != 0) return errno;
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  return 0;
}

TEST(PosixOptionsPoolSizesEinval, AboveTheLimitIsEinval) {
  for (const pp_policy policy :
       {PP_POLICY_LEGACY, PP_POLICY_PREALLOC, PP_POLICY_UNIFIED, PP_POLICY_SHRINKER}) {
    EXPECT_EQ(made(with_pool_sizes(policy, 65, 0, 0)), EINVAL) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 65, 65)), EINVAL) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 0, 65)), EINVAL) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 1u << 31, 0, 0)), EINVAL) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 64, 64, 64)), 0) << policy;
  }
}

TEST(PosixOptionsPoolSizesEinval, KeepAboveMaxIsEinvalAfterTheDefaults) {
  for (const pp_policy policy :
       {PP_POLICY_LEGACY, PP_POLICY_PREALLOC, PP_POLICY_UNIFIED, PP_POLICY_SHRINKER}) {
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 5, 3)), EINVAL) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 9, 0)), EINVAL) << policy;  // above the default max 8
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 0, 1)), EINVAL)
        << policy;                                                   // the default keep 2 above 1
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 3, 0)), 0) << policy;  // 3 <= the default max 8
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 8, 0)), 0) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 0, 2)), 0) << policy;
    EXPECT_EQ(made(with_pool_sizes(policy, 0, 3, 3)), 0) << policy;
  }
}

TEST(PosixOptionsPoolSizesEinval, EinvalMakesNoDescriptor) {
  internal::FdTable& table = internal::FdTable::global();
  int held[2];
  ASSERT_EQ(pp_pipe(held), 0);  // the numbers asked for next are not the base's
  int expected[2];
  ASSERT_EQ(pp_pipe(expected), 0);
  ASSERT_EQ(pp_close(expected[0]), 0);
  ASSERT_EQ(pp_close(expected[1]), 0);
  const int open = table.open_count();

  const pp_options bad[] = {with_pool_sizes(PP_POLICY_LEGACY, 65, 0, 0),
                            with_pool_sizes(PP_POLICY_UNIFIED, 0, 5, 3)};
  for (const pp_options& o : bad) {
    int fds[2] = {-7, -7};
    EXPECT_ERRNO(EINVAL, pp_pipe_opts(fds, O_CLOEXEC, &o));
    EXPECT_EQ(fds[0], -7);
    EXPECT_EQ(fds[1], -7);
    EXPECT_ERRNO(EINVAL, pp_pipe_opts(nullptr, 0, &o));  // before EFAULT: no pipe can be made
    EXPECT_EQ(table.open_count(), open);
    EXPECT_EQ(table.get(expected[0]), nullptr);
    EXPECT_EQ(table.get(expected[1]), nullptr);
  }

  int fds[2];
  ASSERT_EQ(pp_pipe(fds), 0);
  EXPECT_EQ(fds[0], expected[0]);
  EXPECT_EQ(fds[1], expected[1]);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  EXPECT_EQ(pp_close(held[0]), 0);
  EXPECT_EQ(pp_close(held[1]), 0);
}

}  // namespace
}  // namespace pipepool::testing
