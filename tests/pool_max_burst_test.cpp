// PoolSizes::max (PIPE_PREALLOC_MAX) bounds the prefill burst of prealloc, unified and shrinker,
// and unified's pool: a 64 KiB write (16 pages) into an empty pipe allocates min(16, max) pages
// outside the mutex and the rest under it.
#include <gtest/gtest.h>

#include <vector>

#include "pipepool/page_pool.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

using pool_test::model_allocator;
using pool_test::read_hooks;
using pool_test::write_hooks;

PoolStats one_write(PolicyKind kind, unsigned max, unsigned pages) {
  auto pool = make_pool(kind, model_allocator(), {kLegacyCache, 1, max});
  EXPECT_NE(pool, nullptr);
  std::vector<void*> ring;
  write_hooks(*pool, pages * kPageSize, pages, ring);
  const PoolStats s = pool->stats();
  read_hooks(*pool, ring);
  return s;
}

TEST(PoolMaxBurst, MaxFourBoundsEveryPrefill) {
  for (const PolicyKind kind : {PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    const PoolStats s = one_write(kind, 4, 16);
    EXPECT_EQ(s.allocs_outside_lock, 4u) << to_string(kind);
    EXPECT_EQ(s.allocs_in_lock, 12u) << to_string(kind);
  }
}

TEST(PoolMaxBurst, MaxSixteenCoversA64KiBWrite) {
  for (const PolicyKind kind : {PolicyKind::prealloc, PolicyKind::unified, PolicyKind::shrinker}) {
    const PoolStats s = one_write(kind, 16, 16);
    EXPECT_EQ(s.allocs_outside_lock, 16u) << to_string(kind);
    EXPECT_EQ(s.allocs_in_lock, 0u) << to_string(kind);
  }
}

TEST(PoolMaxBurst, UnifiedPoolHoldsUpToMax) {
  auto pool = make_pool(PolicyKind::unified, model_allocator(), {kLegacyCache, 1, 16});
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  for (void* page : ring) pool->put_page(page);
  ring.clear();
  EXPECT_EQ(pool->stats().pool_size, 16u);
  EXPECT_EQ(pool->stats().frees_in_lock, 0u);
  EXPECT_EQ(pool->stats().pool_peak, 16u);
  read_hooks(*pool, ring);  // the trim to keep
  EXPECT_EQ(pool->stats().pool_size, 1u);
  EXPECT_EQ(pool->stats().frees_outside_lock, 15u);
}

TEST(PoolMaxBurst, TheLimitFitsThePageBatches) {
  const PoolStats s = one_write(PolicyKind::unified, kPoolSizeLimit, kPoolSizeLimit);
  EXPECT_EQ(s.allocs_outside_lock, kPoolSizeLimit);
  EXPECT_EQ(s.allocs_in_lock, 0u);
  EXPECT_EQ(s.pool_peak, kPoolSizeLimit);
  EXPECT_EQ(s.frees_in_lock, 0u);
}

TEST(PoolMaxBurst, LegacyHasNoBurst) {
  const PoolStats s = one_write(PolicyKind::legacy, 4, 16);
  EXPECT_EQ(s.allocs_outside_lock, 0u);
  EXPECT_EQ(s.allocs_in_lock, 16u);
}

}  // namespace
}  // namespace pipepool
