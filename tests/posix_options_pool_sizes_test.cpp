// pp_options.legacy_cache, pool_keep and pool_max reach the pipe's pool: 0 gives the kernel's
// sizes, and what a pipe keeps and prefills follows the values given.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "internal/fd_table.hpp"
#include "internal/pipe_core.hpp"
#include "pipe_ops.hpp"
#include "pipepool/page_pool.hpp"
#include "posix_pool_sizes_support.hpp"

namespace pipepool::testing {
namespace {

// The pool of the pipe made with `opts` (heap pages) after `bytes` were written `per_write` at a
// time and read back in full.
PoolStats write_then_read(pp_options opts, std::size_t bytes, std::size_t per_write) {
  opts.allocator = PP_ALLOCATOR_HEAP;
  int fds[2];
  EXPECT_EQ(pp_pipe_opts(fds, O_NONBLOCK, &opts), 0);
  std::vector<char> buf(bytes);
  for (std::size_t done = 0; done < bytes; done += per_write) {
    EXPECT_EQ(pp_write(fds[1], buf.data() + done, per_write), static_cast<ssize_t>(per_write));
  }
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = pp_read(fds[0], buf.data() + got, bytes - got);
    EXPECT_GT(n, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(got, bytes);
  const PoolStats stats = internal::FdTable::global().get(fds[0])->pipe().stats().pool;
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  return stats;
}

PoolSizes sizes_of(const pp_options& opts) {
  int fds[2];
  EXPECT_EQ(pp_pipe_opts(fds, 0, &opts), 0);
  const PoolSizes sizes = internal::FdTable::global().get(fds[1])->pipe().pool().sizes();
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
  return sizes;
}

TEST(PosixOptionsPoolSizes, ZeroMeansTheKernelDefaults) {
  for (const pp_policy policy : {PP_POLICY_LEGACY, PP_POLICY_PREALLOC, PP_POLICY_UNIFIED}) {
    EXPECT_EQ(sizes_of(with_pool_sizes(policy, 0, 0, 0)), (PoolSizes{2, 2, 8})) << policy;
  }
  int fds[2];
  ASSERT_EQ(pp_pipe(fds), 0);
  EXPECT_EQ(internal::FdTable::global().get(fds[0])->pipe().pool().sizes(), PoolSizes{});
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST(PosixOptionsPoolSizes, EachFieldReachesItsSize) {
  EXPECT_EQ(sizes_of(with_pool_sizes(PP_POLICY_LEGACY, 4, 0, 0)), (PoolSizes{4, 2, 8}));
  EXPECT_EQ(sizes_of(with_pool_sizes(PP_POLICY_UNIFIED, 0, 5, 0)), (PoolSizes{2, 5, 8}));
  EXPECT_EQ(sizes_of(with_pool_sizes(PP_POLICY_PREALLOC, 0, 0, 3)), (PoolSizes{2, 2, 3}));
  EXPECT_EQ(sizes_of(with_pool_sizes(PP_POLICY_UNIFIED, 64, 64, 64)), (PoolSizes{64, 64, 64}));
}

TEST(PosixOptionsPoolSizes, LegacyKeepsLegacyCachePages) {
  // Five one-page writes fill five slots, each with its own page; the read frees all five.
  EXPECT_EQ(write_then_read(with_pool_sizes(PP_POLICY_LEGACY, 4, 0, 0), 5 * 4096, 4096).pool_size,
            4u);
  EXPECT_EQ(write_then_read(with_pool_sizes(PP_POLICY_LEGACY, 0, 0, 0), 5 * 4096, 4096).pool_size,
            2u);
  EXPECT_EQ(write_then_read(with_pool_sizes(PP_POLICY_LEGACY, 1, 0, 0), 5 * 4096, 4096).pool_size,
            1u);
}

TEST(PosixOptionsPoolSizes, UnifiedKeepsPoolKeepAndPrefillsPoolMax) {
  const PoolStats sized =
      write_then_read(with_pool_sizes(PP_POLICY_UNIFIED, 0, 4, 16), 64 * 1024, 64 * 1024);
  EXPECT_EQ(sized.pool_size, 4u);
  EXPECT_EQ(sized.allocs_outside_lock, 16u);
  EXPECT_EQ(sized.allocs_in_lock, 0u);
  const PoolStats plain =
      write_then_read(with_pool_sizes(PP_POLICY_UNIFIED, 0, 0, 0), 64 * 1024, 64 * 1024);
  EXPECT_EQ(plain.pool_size, 2u);
  EXPECT_EQ(plain.allocs_outside_lock, 8u);
  EXPECT_EQ(plain.allocs_in_lock, 8u);
}

TEST(PosixOptionsPoolSizes, PreallocBurstIsPoolMax) {
  const PoolStats s =
      write_then_read(with_pool_sizes(PP_POLICY_PREALLOC, 0, 0, 3), 64 * 1024, 64 * 1024);
  EXPECT_EQ(s.allocs_outside_lock, 3u);
  EXPECT_EQ(s.allocs_in_lock, 13u);
}

}  // namespace
}  // namespace pipepool::testing
