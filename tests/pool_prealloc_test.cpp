// The prealloc policy (Linux 7.2): a write of more than one page allocates up to 8 pages before
// taking the mutex; get_page uses them first, then tmp_page[2], then allocates under the mutex;
// leftovers refill tmp_page and the rest are freed after unlock.
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

unsigned prefilled(std::size_t len) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  PageBatch burst;
  PageBatch spare;
  pool->prefill(len, burst);
  const unsigned n = burst.count;
  EXPECT_EQ(pool->stats().allocs_outside_lock, n);
  EXPECT_EQ(pool->stats().allocs_in_lock, 0u);
  pool->trim_locked(burst, spare);
  pool->release(spare);
  return n;
}

TEST(PoolPrealloc, Name) {
  EXPECT_EQ(make_pool(PolicyKind::prealloc, model_allocator())->name(), "prealloc");
}

TEST(PoolPrealloc, PrefillOnlyForWritesLongerThanOnePageCappedAtEight) {
  EXPECT_EQ(prefilled(0), 0u);
  EXPECT_EQ(prefilled(100), 0u);
  EXPECT_EQ(prefilled(4096), 0u);
  EXPECT_EQ(prefilled(4097), 2u);
  EXPECT_EQ(prefilled(3 * 4096), 3u);
  EXPECT_EQ(prefilled(8 * 4096), 8u);
  EXPECT_EQ(prefilled(8 * 4096 + 1), 8u);
  EXPECT_EQ(prefilled(64 * 1024), 8u);
  EXPECT_EQ(prefilled(static_cast<std::size_t>(-1)), 8u);
}

TEST(PoolPrealloc, WriteOnEmptyPoolUsesTheBurstThenAllocatesUnderTheLock) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  PageBatch burst;
  PageBatch spare;
  pool->prefill(64 * 1024, burst);
  ASSERT_EQ(burst.count, 8u);
  const std::vector<void*> prefilled_pages(burst.pages.begin(), burst.pages.begin() + 8);
  pool->prefill_locked(burst);
  EXPECT_EQ(burst.count, 8u);  // prealloc keeps the burst on the caller's stack
  std::vector<void*> ring;
  for (int i = 0; i < 16; ++i) ring.push_back(pool->get_page(burst));
  // The first eight pages handed out are the burst's.
  for (int i = 0; i < 8; ++i) {
    EXPECT_NE(std::find(prefilled_pages.begin(), prefilled_pages.end(), ring[i]),
              prefilled_pages.end());
  }
  pool->trim_locked(burst, spare);
  EXPECT_TRUE(spare.empty());
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 8u);
  EXPECT_EQ(s.allocs_in_lock, 8u);
  EXPECT_EQ(s.pool_hits, 0u);  // burst pages are not pool hits
  EXPECT_EQ(s.pool_size, 0u);
  read_hooks(*pool, ring);
}

TEST(PoolPrealloc, ReadKeepsTwoInTmpPageAndFreesTheRestUnderTheLock) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.frees_in_lock, 14u);
  EXPECT_EQ(s.frees_outside_lock, 0u);
  EXPECT_EQ(s.pool_size, 2u);
}

TEST(PoolPrealloc, SecondWriteUsesBurstThenTmpPageThenAllocates) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  write_hooks(*pool, 64 * 1024, 16, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 16u);
  EXPECT_EQ(s.pool_hits, 2u);
  EXPECT_EQ(s.allocs_in_lock, 8u + 6u);
  EXPECT_EQ(s.pool_size, 0u);
  read_hooks(*pool, ring);
}

TEST(PoolPrealloc, TrimRefillsTmpPageThenFreesLeftoversAfterUnlock) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  PageBatch burst;
  PageBatch spare;
  pool->prefill(32 * 1024, burst);  // 8 pages
  pool->prefill_locked(burst);
  void* used = pool->get_page(burst);  // the write merged most of its bytes: one new slot
  pool->trim_locked(burst, spare);
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(spare.count, 5u);  // 7 leftovers: 2 refill tmp_page, 5 to free
  EXPECT_EQ(pool->stats().pool_size, 2u);
  EXPECT_EQ(pool->stats().frees_in_lock, 0u);
  pool->release(spare);
  EXPECT_TRUE(spare.empty());
  EXPECT_EQ(pool->stats().frees_outside_lock, 5u);
  // A full tmp_page sends every leftover to spare.
  pool->prefill(3 * 4096, burst);
  pool->prefill_locked(burst);
  pool->trim_locked(burst, spare);
  EXPECT_EQ(spare.count, 3u);
  pool->release(spare);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.frees_outside_lock, 8u);
  EXPECT_EQ(s.allocs_outside_lock, 11u);
  EXPECT_EQ(s.allocs_in_lock, 0u);
  EXPECT_EQ(s.pool_size, 2u);
  pool->put_page(used);
}

TEST(PoolPrealloc, NeverKeepsMoreThanTwoPagesAfterTrim) {
  auto pool = make_pool(PolicyKind::prealloc, model_allocator());
  std::vector<void*> ring;
  const std::size_t lens[] = {100, 4097, 5 * 4096, 64 * 1024, 1024 * 1024};
  const unsigned used[] = {0, 1, 2, 8, 16};
  for (std::size_t len : lens) {
    for (unsigned slots : used) {
      write_hooks(*pool, len, slots, ring);
      EXPECT_LE(pool->stats().pool_size, 2u) << len << " " << slots;
      read_hooks(*pool, ring);
      EXPECT_LE(pool->stats().pool_size, 2u) << len << " " << slots;
    }
  }
  EXPECT_EQ(pool->stats().pool_peak, 2u);
}

TEST(PoolPrealloc, DestructionFreesEveryPage) {
  auto alloc = model_allocator();
  {
    auto pool = make_pool(PolicyKind::prealloc, alloc);
    std::vector<void*> ring;
    write_hooks(*pool, 64 * 1024, 16, ring);
    read_hooks(*pool, ring);
    write_hooks(*pool, 20 * 1024, 1, ring);
    read_hooks(*pool, ring);
  }
  const AllocatorStats a = alloc->stats();
  EXPECT_GT(a.allocations, 0u);
  EXPECT_EQ(a.allocations, a.frees);
}

}  // namespace
}  // namespace pipepool
