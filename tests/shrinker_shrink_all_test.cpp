// shrink_all(), shrinker_count(), shrinker_scan() and pp_shrink() over real shrinker pipes: every
// idle pool ends empty, the pages go back to the allocator outside the pipe mutex, and the
// counters agree.
#include <gtest/gtest.h>

#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/posix.h"
#include "pipepool/shrinker.hpp"
#include "shrinker_test_support.hpp"

namespace pipepool::test {
namespace {

std::uint64_t held(const Held& h) {
  return h.pipe.reader.stats().pool.pool_size;
}

TEST(ShrinkerShrinkAll, EveryIdlePoolEndsEmpty) {
  shrink_all();  // pools of earlier tests in this process, if any
  std::vector<Held> pipes;
  for (std::size_t kib : {4u, 16u, 40u, 64u}) pipes.push_back(idle_pipe(kib * 1024));
  std::uint64_t total = 0;
  for (const Held& h : pipes) total += held(h);
  ASSERT_EQ(total, 1u + 4u + 10u + 16u);
  EXPECT_EQ(shrinker_count(), total);

  const ShrinkerStats before = shrinker_stats();
  EXPECT_EQ(shrink_all(), total);
  for (const Held& h : pipes) {
    EXPECT_EQ(held(h), 0u);
    EXPECT_EQ(shrinker_pool_stats(h.pipe.reader.end()->pipe().pool())->held, 0u);
  }
  EXPECT_EQ(shrinker_count(), 0u);
  const ShrinkerStats after = shrinker_stats();
  EXPECT_EQ(after.pages_reclaimed - before.pages_reclaimed, total);
  EXPECT_GE(after.pools, pipes.size());
  EXPECT_EQ(after.pages_held, 0u);
  EXPECT_EQ(shrink_all(), 0u);
}

TEST(ShrinkerShrinkAll, PagesGoBackToTheAllocatorOutsideTheLock) {
  shrink_all();
  Held h = idle_pipe(64 * 1024);
  const PoolStats s = h.pipe.reader.stats().pool;
  ASSERT_EQ(s.pool_size, 16u);
  ASSERT_EQ(h.allocator->stats().frees, 0u);
  EXPECT_EQ(shrink_all(), 16u);
  const PoolStats t = h.pipe.reader.stats().pool;
  EXPECT_EQ(t.frees_outside_lock - s.frees_outside_lock, 16u);
  EXPECT_EQ(t.frees_in_lock, s.frees_in_lock);
  EXPECT_EQ(h.allocator->stats().frees, 16u);
  EXPECT_EQ(shrinker_pool_stats(h.pipe.reader.end()->pipe().pool())->reclaimed, 16u);
  // The pipe still works and refills its pool.
  EXPECT_EQ(write_bytes(h.pipe.writer, pattern(8192)).count, 8192u);
  EXPECT_EQ(read_n(h.pipe.reader, 8192), pattern(8192));
  EXPECT_EQ(held(h), 2u);
}

TEST(ShrinkerShrinkAll, ScanFreesAtMostWhatIsAsked) {
  shrink_all();
  Held a = idle_pipe(64 * 1024);
  Held b = idle_pipe(64 * 1024);
  EXPECT_EQ(shrinker_count(), 32u);
  EXPECT_EQ(shrinker_scan(0), 0u);
  EXPECT_EQ(shrinker_scan(5), 5u);
  EXPECT_EQ(shrinker_count(), 27u);
  EXPECT_EQ(shrinker_scan(20), 20u);
  EXPECT_EQ(shrinker_count(), 7u);
  EXPECT_EQ(shrinker_scan(100), 7u);
  EXPECT_EQ(held(a) + held(b), 0u);
}

TEST(ShrinkerShrinkAll, PpShrinkFreesPagesOfShrinkerPipes) {
  shrink_all();
  int fds[2];
  pp_options opts{};
  opts.policy = PP_POLICY_SHRINKER;
  opts.allocator = PP_ALLOCATOR_HEAP;
  ASSERT_EQ(pp_pipe_opts(fds, 0, &opts), 0);
  const std::vector<std::byte> data = pattern(40 * 1024);
  ASSERT_EQ(pp_write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  std::vector<std::byte> buf(data.size());
  ASSERT_EQ(pp_read(fds[0], buf.data(), buf.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(buf, data);
  EXPECT_EQ(shrinker_count(), 10u);
  EXPECT_EQ(pp_shrink(4), 4u);
  EXPECT_EQ(pp_shrink(static_cast<size_t>(-1)), 6u);
  EXPECT_EQ(shrinker_count(), 0u);
  EXPECT_EQ(pp_close(fds[0]), 0);
  EXPECT_EQ(pp_close(fds[1]), 0);
}

TEST(ShrinkerShrinkAll, ClosedPipesLeaveTheRegistry) {
  shrink_all();
  const std::uint64_t pools = shrinker_stats().pools;
  {
    Held h = idle_pipe(64 * 1024);
    EXPECT_EQ(shrinker_stats().pools, pools + 1);
  }
  EXPECT_EQ(shrinker_stats().pools, pools);
  EXPECT_EQ(shrinker_count(), 0u);
}

}  // namespace
}  // namespace pipepool::test
