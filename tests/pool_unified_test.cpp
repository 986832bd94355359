// The unified policy (queued for Linux 7.3): one pool of up to 8 pages, topped up outside the
// mutex by want - have pages, trimmed to 2 at the end of every read and write.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

using pool_test::model_allocator;
using pool_test::read_hooks;
using pool_test::write_hooks;

// Leaves an empty `pool` holding `n` pages (n <= 8), without a trim.
void fill_pool(PagePool& pool, unsigned n) {
  PageBatch burst;
  for (unsigned i = 0; i < n; ++i) burst.push(pool.get_page(burst));
  while (!burst.empty()) pool.put_page(burst.pop());
  ASSERT_EQ(pool.stats().pool_size, n);
}

TEST(PoolUnified, Name) {
  EXPECT_EQ(make_pool(PolicyKind::unified, model_allocator())->name(), "unified");
}

TEST(PoolUnified, BigWriteOnEmptyPool) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  PageBatch burst;
  PageBatch spare;
  pool->prefill(64 * 1024, burst);
  EXPECT_EQ(burst.count, 8u);
  EXPECT_EQ(pool->stats().allocs_outside_lock, 8u);
  pool->prefill_locked(burst);
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(pool->stats().pool_size, 8u);
  std::vector<void*> ring;
  for (int i = 0; i < 16; ++i) ring.push_back(pool->get_page(burst));
  pool->trim_locked(burst, spare);
  EXPECT_TRUE(spare.empty());
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 8u);
  EXPECT_EQ(s.allocs_in_lock, 8u);
  EXPECT_EQ(s.pool_hits, 8u);
  EXPECT_EQ(s.pool_size, 0u);
  EXPECT_EQ(s.pool_peak, 8u);
  EXPECT_EQ(s.frees_in_lock + s.frees_outside_lock, 0u);
  read_hooks(*pool, ring);
}

TEST(PoolUnified, ReadFillsThePoolThenTrimsToTwo) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  for (void* page : ring) pool->put_page(page);
  ring.clear();
  EXPECT_EQ(pool->stats().pool_size, 8u);
  EXPECT_EQ(pool->stats().frees_in_lock, 8u);  // the pool was full for the last 8
  PageBatch none;
  PageBatch spare;
  pool->trim_locked(none, spare);
  EXPECT_EQ(spare.count, 6u);
  EXPECT_EQ(pool->stats().pool_size, 2u);
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.frees_outside_lock, 6u);
  EXPECT_EQ(s.frees_in_lock, 8u);
  EXPECT_EQ(s.pool_peak, 8u);
}

TEST(PoolUnified, SecondBigWriteAllocatesOnlyWhatThePoolLacks) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  ASSERT_EQ(pool->stats().pool_size, 2u);
  PageBatch burst;
  pool->prefill(64 * 1024, burst);
  EXPECT_EQ(burst.count, 6u);
  EXPECT_EQ(pool->stats().allocs_outside_lock, 8u + 6u);
  pool->prefill_locked(burst);
  EXPECT_EQ(pool->stats().pool_size, 8u);
  PageBatch spare;
  for (int i = 0; i < 16; ++i) ring.push_back(pool->get_page(burst));
  pool->trim_locked(burst, spare);
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_in_lock, 8u + 8u);
  EXPECT_EQ(s.pool_hits, 8u + 8u);
  read_hooks(*pool, ring);
}

TEST(PoolUnified, SmallWriteWithPagesInThePoolPrefillsNothing) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  fill_pool(*pool, 2);
  const std::uint64_t allocs = pool->allocator().stats().allocations;
  std::vector<void*> ring;
  write_hooks(*pool, 100, 1, ring);
  EXPECT_EQ(pool->allocator().stats().allocations, allocs);
  EXPECT_EQ(pool->stats().allocs_outside_lock, 0u);
  EXPECT_EQ(pool->stats().pool_size, 1u);
  read_hooks(*pool, ring);
  EXPECT_EQ(pool->stats().pool_size, 2u);
}

TEST(PoolUnified, SmallWriteOnEmptyPoolPrefillsItsOnePage) {
  // want = ceil(100 / 4096) = 1, have = 0: the one page the write needs is allocated before the
  // mutex, and get_page takes it from the pool.
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 100, 1, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 1u);
  EXPECT_EQ(s.allocs_in_lock, 0u);
  EXPECT_EQ(s.pool_hits, 1u);
  read_hooks(*pool, ring);
}

TEST(PoolUnified, PrefillAllocatesWantMinusHave) {
  for (unsigned have = 0; have <= kPreallocMax; ++have) {
    for (unsigned pages = 1; pages <= 12; ++pages) {
      auto pool = make_pool(PolicyKind::unified, model_allocator());
      fill_pool(*pool, have);
      const std::uint64_t before = pool->stats().allocs_in_lock;
      PageBatch burst;
      pool->prefill(pages * kPageSize, burst);
      const unsigned want = pages < kPreallocMax ? pages : kPreallocMax;
      const unsigned expect = want > have ? want - have : 0;
      EXPECT_EQ(burst.count, expect) << "have " << have << " pages " << pages;
      EXPECT_EQ(pool->stats().allocs_outside_lock, expect);
      // The pool now covers min(pages, 8): only pages beyond 8 are allocated under the lock.
      std::vector<void*> ring;
      PageBatch spare;
      pool->prefill_locked(burst);
      for (unsigned i = 0; i < pages; ++i) ring.push_back(pool->get_page(burst));
      pool->trim_locked(burst, spare);
      EXPECT_TRUE(burst.empty());  // no surplus: the peek was exact
      EXPECT_EQ(pool->stats().pool_size, std::min(kPreallocKeep, have > pages ? have - pages : 0));
      const std::uint64_t in_lock = pool->stats().allocs_in_lock - before;
      EXPECT_EQ(in_lock, pages > kPreallocMax ? pages - kPreallocMax : 0u)
          << "have " << have << " pages " << pages;
      pool->release(spare);
      read_hooks(*pool, ring);
    }
  }
}

TEST(PoolUnified, SurplusFromAStalePeekIsDroppedAsTheLockIsTaken) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  PageBatch burst;
  PageBatch spare;
  pool->prefill(64 * 1024, burst);  // peeked an empty pool: 8 pages
  ASSERT_EQ(burst.count, 8u);
  fill_pool(*pool, 8);  // meanwhile a reader filled the pool
  const std::uint64_t in_lock_before = pool->stats().allocs_in_lock;
  pool->prefill_locked(burst);
  // No room: the surplus is freed at once, not carried through the write and its waits.
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(pool->stats().frees_in_lock, 8u);
  EXPECT_EQ(pool->stats().pool_size, 8u);
  void* page = pool->get_page(burst);
  EXPECT_EQ(pool->stats().pool_hits, 1u);
  pool->trim_locked(burst, spare);
  EXPECT_EQ(spare.count, 5u);  // pool pages above 2
  EXPECT_EQ(pool->stats().pool_size, 2u);
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.frees_outside_lock, 5u);
  EXPECT_EQ(s.frees_in_lock, 8u);
  EXPECT_EQ(s.allocs_in_lock, in_lock_before);
  EXPECT_EQ(s.pool_peak, 8u);
  pool->put_page(page);
}

TEST(PoolUnified, PartialRoomTakesWhatFitsAndDropsTheRest) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  PageBatch burst;
  pool->prefill(64 * 1024, burst);  // peeked an empty pool: 8 pages
  ASSERT_EQ(burst.count, 8u);
  fill_pool(*pool, 5);  // meanwhile the pool got 5: room for 3
  pool->prefill_locked(burst);
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(pool->stats().pool_size, 8u);
  EXPECT_EQ(pool->stats().frees_in_lock, 5u);
  PageBatch spare;
  pool->trim_locked(burst, spare);
  pool->release(spare);
  EXPECT_EQ(pool->stats().pool_size, 2u);
}

TEST(PoolUnified, NeverHoldsMoreThanEightAndTwoAfterTrim) {
  auto pool = make_pool(PolicyKind::unified, model_allocator());
  std::vector<void*> ring;
  const std::size_t lens[] = {100, 4097, 5 * 4096, 64 * 1024, 1024 * 1024};
  const unsigned used[] = {0, 1, 2, 8, 16};
  for (std::size_t len : lens) {
    for (unsigned slots : used) {
      write_hooks(*pool, len, slots, ring);
      EXPECT_LE(pool->stats().pool_size, kPreallocKeep) << len << " " << slots;
      read_hooks(*pool, ring);
      EXPECT_LE(pool->stats().pool_size, kPreallocKeep) << len << " " << slots;
    }
  }
  // 20 buffers released before one trim.
  write_hooks(*pool, 1024 * 1024, 20, ring);
  for (void* page : ring) pool->put_page(page);
  ring.clear();
  EXPECT_EQ(pool->stats().pool_size, kPreallocMax);
  EXPECT_EQ(pool->stats().pool_peak, kPreallocMax);
  read_hooks(*pool, ring);
  EXPECT_EQ(pool->stats().pool_size, kPreallocKeep);
}

TEST(PoolUnified, DestructionFreesEveryPage) {
  auto alloc = model_allocator();
  {
    auto pool = make_pool(PolicyKind::unified, alloc);
    std::vector<void*> ring;
    write_hooks(*pool, 64 * 1024, 16, ring);
    for (void* page : ring) pool->put_page(page);  // pool left at 8, no trim
    ring.clear();
    ASSERT_EQ(pool->stats().pool_size, 8u);
  }
  const AllocatorStats a = alloc->stats();
  EXPECT_EQ(a.allocations, 16u);
  EXPECT_EQ(a.frees, 16u);
}

}  // namespace
}  // namespace pipepool
