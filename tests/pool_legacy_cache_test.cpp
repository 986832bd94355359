// PoolSizes::legacy_cache: legacy and prealloc keep that many emptied pages (tmp_page slots) and
// free the rest under the mutex; 1 is the single cached page of Linux before tmp_page[2].
#include <gtest/gtest.h>

#include <vector>

#include "pipepool/page_pool.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

using pool_test::model_allocator;
using pool_test::read_hooks;
using pool_test::write_hooks;

// Three one-page writes, one read emptying them, three one-page writes again, one read.
PoolStats three_pages_twice(PolicyKind kind, unsigned cache) {
  auto pool = make_pool(kind, model_allocator(), {cache, kPreallocKeep, kPreallocMax});
  EXPECT_NE(pool, nullptr);
  std::vector<void*> ring;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) write_hooks(*pool, kPageSize, 1, ring);
    read_hooks(*pool, ring);
  }
  return pool->stats();
}

TEST(PoolLegacyCache, TwoSlotsKeepTwoPages) {
  const PoolStats s = three_pages_twice(PolicyKind::legacy, 2);
  EXPECT_EQ(s.allocs_in_lock, 4u);  // 3, then 1 beside the 2 kept
  EXPECT_EQ(s.pool_hits, 2u);
  EXPECT_EQ(s.frees_in_lock, 2u);  // 1 per read
  EXPECT_EQ(s.pool_size, 2u);
  EXPECT_EQ(s.pool_peak, 2u);
}

TEST(PoolLegacyCache, OneSlotKeepsOnePage) {
  const PoolStats s = three_pages_twice(PolicyKind::legacy, 1);
  EXPECT_EQ(s.allocs_in_lock, 5u);  // 3, then 2 beside the 1 kept
  EXPECT_EQ(s.pool_hits, 1u);
  EXPECT_EQ(s.frees_in_lock, 4u);  // 2 per read
  EXPECT_EQ(s.pool_size, 1u);
  EXPECT_EQ(s.pool_peak, 1u);
}

TEST(PoolLegacyCache, FourSlotsKeepEveryPageOfThree) {
  const PoolStats s = three_pages_twice(PolicyKind::legacy, 4);
  EXPECT_EQ(s.allocs_in_lock, 3u);
  EXPECT_EQ(s.pool_hits, 3u);
  EXPECT_EQ(s.frees_in_lock, 0u);
  EXPECT_EQ(s.pool_size, 3u);
}

TEST(PoolLegacyCache, PreallocHasTheSameSlots) {
  const PoolStats s = three_pages_twice(PolicyKind::prealloc, 1);
  EXPECT_EQ(s.allocs_in_lock, 5u);
  EXPECT_EQ(s.pool_hits, 1u);
  EXPECT_EQ(s.pool_size, 1u);
}

TEST(PoolLegacyCache, DestructionFreesEveryCachedPage) {
  auto allocator = model_allocator();
  {
    auto pool = make_pool(PolicyKind::legacy, allocator, {5, kPreallocKeep, kPreallocMax});
    std::vector<void*> ring;
    write_hooks(*pool, 5 * kPageSize, 5, ring);
    read_hooks(*pool, ring);
    EXPECT_EQ(pool->stats().pool_size, 5u);
  }
  EXPECT_EQ(allocator->stats().allocations, allocator->stats().frees);
}

}  // namespace
}  // namespace pipepool
