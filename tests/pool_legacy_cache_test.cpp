// PoolSizes::legacy_cache: legacy and prealloc keep that many emptied pages (tmp_page slots) and
// free the rest under the mutex; 1 is the single cached page of Linux before tmp_page[2].
#include <gtest/gtest.h>

#include <cstdint>
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

// The counters of a pool that ran three_pages_twice, as the tests expect them.
struct Counters {
  std::uint64_t allocs_in_lock;
  std::uint64_t pool_hits;
  std::uint64_t frees_in_lock;
  std::uint64_t pool_size;
  std::uint64_t pool_peak;
};

void expect_counters(const PoolStats& s, const Counters& want) {
  EXPECT_EQ(s.allocs_in_lock, want.allocs_in_lock);
  EXPECT_EQ(s.pool_hits, want.pool_hits);
  EXPECT_EQ(s.frees_in_lock, want.frees_in_lock);
  EXPECT_EQ(s.pool_size, want.pool_size);
  EXPECT_EQ(s.pool_peak, want.pool_peak);
}

TEST(PoolLegacyCache, TwoSlotsKeepTwoPages) {
  // Allocates 3, then 1 beside the 2 kept; frees 1 per read.
  expect_counters(
      three_pages_twice(PolicyKind::legacy, 2),
      {.allocs_in_lock = 4, .pool_hits = 2, .frees_in_lock = 2, .pool_size = 2, .pool_peak = 2});
}

TEST(PoolLegacyCache, OneSlotKeepsOnePage) {
  // Allocates 3, then 2 beside the 1 kept; frees 2 per read.
  expect_counters(
      three_pages_twice(PolicyKind::legacy, 1),
      {.allocs_in_lock = 5, .pool_hits = 1, .frees_in_lock = 4, .pool_size = 1, .pool_peak = 1});
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
