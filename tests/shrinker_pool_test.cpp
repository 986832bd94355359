// The shrinker policy through its hooks: unified's top-up rule, no trim to 2, the cap (in pages)
// never exceeded, pages beyond the cap freed after unlock, and counters that balance.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/shrinker.hpp"
#include "pool_test_support.hpp"
#include "pools/shrinker.hpp"

namespace pipepool {
namespace {

using pool_test::model_allocator;
using pool_test::read_hooks;
using pool_test::write_hooks;

TEST(ShrinkerPool, NameAndDefaultCap) {
  auto pool = make_pool(PolicyKind::shrinker, model_allocator());
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->name(), "shrinker");
  const auto s = shrinker_pool_stats(*pool);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cap, kDefaultShrinkerCap);
  EXPECT_EQ(s->held, 0u);
  EXPECT_FALSE(shrinker_pool_stats(*make_pool(PolicyKind::unified, model_allocator())));
}

TEST(ShrinkerPool, KeepsWhatReadersReleaseInsteadOfTrimmingToTwo) {
  auto pool = make_pool(PolicyKind::shrinker, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 8u);  // min(16, 8) minus an empty pool
  EXPECT_EQ(s.allocs_in_lock, 8u);
  read_hooks(*pool, ring);
  s = pool->stats();
  EXPECT_EQ(s.pool_size, 16u);  // unified would hold 2
  EXPECT_EQ(s.frees_in_lock + s.frees_outside_lock, 0u);

  // The next 64 KiB write needs no allocation at all: 16 hits.
  write_hooks(*pool, 64 * 1024, 16, ring);
  const PoolStats t = pool->stats();
  EXPECT_EQ(t.allocs_outside_lock, s.allocs_outside_lock);
  EXPECT_EQ(t.allocs_in_lock, s.allocs_in_lock);
  EXPECT_EQ(t.pool_hits - s.pool_hits, 16u);
  read_hooks(*pool, ring);
}

TEST(ShrinkerPool, PrefillsOnlyWhatTheWriteNeedsMinusThePool) {
  pools::ShrinkerPool pool(model_allocator(), 16);
  std::vector<void*> ring;
  write_hooks(pool, 3 * 4096, 3, ring);
  read_hooks(pool, ring);
  ASSERT_EQ(pool.stats().pool_size, 3u);
  PageBatch burst;
  pool.prefill(5 * 4096, burst);
  EXPECT_EQ(burst.count, 2u);  // 5 wanted, 3 held
  PageBatch spare;
  pool.prefill_locked(burst);
  pool.trim_locked(burst, spare);
  pool.release(spare);
  EXPECT_EQ(pool.stats().pool_size, 5u);
}

TEST(ShrinkerPool, CapIsNeverExceededAndSurplusIsFreedAfterUnlock) {
  pools::ShrinkerPool pool(model_allocator(), 4);
  std::vector<void*> ring;
  for (int round = 0; round < 20; ++round) {
    const unsigned slots = 1 + static_cast<unsigned>(round % 16);
    write_hooks(pool, slots * kPageSize, slots, ring);
    EXPECT_LE(pool.stats().pool_size, 4u);
    read_hooks(pool, ring);
    EXPECT_LE(pool.stats().pool_size, 4u);
  }
  const PoolStats s = pool.stats();
  EXPECT_EQ(s.pool_peak, 4u);
  // Reads of up to 12 surplus pages: the first 8 beyond the cap are parked and freed after
  // unlock, only the rest under the mutex.
  EXPECT_GT(s.frees_outside_lock, 0u);
  EXPECT_EQ(s.allocs_in_lock + s.allocs_outside_lock,
            s.frees_in_lock + s.frees_outside_lock + s.pool_size);
}

TEST(ShrinkerPool, ParkedPagesAreHandedToSpare) {
  pools::ShrinkerPool pool(model_allocator(), 0);
  std::vector<void*> ring;
  write_hooks(pool, 8 * 4096, 8, ring);
  EXPECT_EQ(pool.stats().allocs_outside_lock, 0u);  // a prefill beyond the cap would be waste
  PageBatch none;
  PageBatch spare;
  for (void* page : ring) pool.put_page(page);
  ring.clear();
  EXPECT_EQ(pool.stats().frees_in_lock, 0u);
  pool.trim_locked(none, spare);
  EXPECT_EQ(spare.count, 8u);
  pool.release(spare);
  const PoolStats s = pool.stats();
  EXPECT_EQ(s.frees_outside_lock, 8u);
  EXPECT_EQ(s.pool_size, 0u);
}

TEST(ShrinkerPool, LoweringTheCapFreesTheSurplus) {
  pools::ShrinkerPool pool(model_allocator(), 16);
  std::vector<void*> ring;
  write_hooks(pool, 64 * 1024, 16, ring);
  read_hooks(pool, ring);
  ASSERT_EQ(pool.stats().pool_size, 16u);
  ASSERT_TRUE(pool.set_cap(5));
  EXPECT_EQ(pool.cap(), 5u);
  EXPECT_EQ(pool.stats().pool_size, 5u);
  EXPECT_EQ(pool.stats().frees_outside_lock, 11u);
  EXPECT_EQ(pool.reclaimed(), 0u);  // a cap change is not a shrink
  ASSERT_TRUE(pool.set_cap(32));
  write_hooks(pool, 128 * 1024, 32, ring);
  read_hooks(pool, ring);
  EXPECT_EQ(pool.stats().pool_size, 32u);
}

TEST(ShrinkerPool, DefaultCapAppliesToNewPools) {
  const std::size_t saved = default_shrinker_cap();
  set_default_shrinker_cap(3);
  auto pool = make_pool(PolicyKind::shrinker, model_allocator());
  set_default_shrinker_cap(saved);
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  EXPECT_EQ(pool->stats().pool_size, 3u);
  EXPECT_EQ(shrinker_pool_stats(*pool)->cap, 3u);
}

TEST(ShrinkerPool, DestructionFreesEveryPage) {
  auto alloc = model_allocator();
  {
    auto pool = make_pool(PolicyKind::shrinker, alloc);
    std::vector<void*> ring;
    write_hooks(*pool, 64 * 1024, 16, ring);
    read_hooks(*pool, ring);
  }
  const AllocatorStats a = alloc->stats();
  EXPECT_EQ(a.allocations, 16u);
  EXPECT_EQ(a.frees, 16u);
}

}  // namespace
}  // namespace pipepool
