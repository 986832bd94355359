// The legacy policy (tmp_page[2]): every allocation and free happens under the pipe mutex, and at
// most two pages are kept between reads and writes.
#include <gtest/gtest.h>

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

TEST(PoolLegacy, NameAndEmptyStart) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->name(), "legacy");
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.pool_size, 0u);
  EXPECT_EQ(s.pool_peak, 0u);
  EXPECT_EQ(s.allocs_in_lock + s.allocs_outside_lock + s.frees_in_lock + s.frees_outside_lock, 0u);
}

TEST(PoolLegacy, PrefillAllocatesNothing) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  PageBatch burst;
  pool->prefill(64 * 1024, burst);
  pool->prefill_locked(burst);
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(pool->allocator().stats().allocations, 0u);
}

TEST(PoolLegacy, WriteOnEmptyPoolAllocatesEveryPageUnderTheLock) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_in_lock, 16u);
  EXPECT_EQ(s.allocs_outside_lock, 0u);
  EXPECT_EQ(s.pool_hits, 0u);
  EXPECT_EQ(s.pool_size, 0u);
  read_hooks(*pool, ring);
}

TEST(PoolLegacy, ReadKeepsTwoPagesAndFreesTheRestUnderTheLock) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.frees_in_lock, 14u);
  EXPECT_EQ(s.frees_outside_lock, 0u);
  EXPECT_EQ(s.pool_size, 2u);
  EXPECT_EQ(s.pool_peak, 2u);
}

TEST(PoolLegacy, SecondWriteHitsBothCachedPages) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  std::vector<void*> ring;
  write_hooks(*pool, 64 * 1024, 16, ring);
  read_hooks(*pool, ring);
  write_hooks(*pool, 64 * 1024, 16, ring);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.pool_hits, 2u);
  EXPECT_EQ(s.allocs_in_lock, 16u + 14u);
  EXPECT_EQ(s.pool_size, 0u);
  read_hooks(*pool, ring);
}

TEST(PoolLegacy, GetPageTakesTheFirstNonEmptySlot) {
  auto alloc = model_allocator();
  auto pool = make_pool(PolicyKind::legacy, alloc);
  PageBatch burst;
  void* a = pool->get_page(burst);
  void* b = pool->get_page(burst);
  void* c = pool->get_page(burst);
  ASSERT_TRUE(a && b && c);
  pool->put_page(a);  // slot 0
  pool->put_page(b);  // slot 1
  pool->put_page(c);  // both slots taken: freed under the lock
  EXPECT_EQ(pool->stats().frees_in_lock, 1u);
  EXPECT_EQ(pool->get_page(burst), a);
  pool->put_page(a);  // back into slot 0, the first empty one
  EXPECT_EQ(pool->get_page(burst), a);
  EXPECT_EQ(pool->get_page(burst), b);
  EXPECT_EQ(pool->stats().pool_hits, 3u);
  EXPECT_EQ(pool->stats().pool_size, 0u);
  pool->put_page(a);
  pool->put_page(b);
}

TEST(PoolLegacy, NeverAllocatesOrFreesOutsideTheLock) {
  auto pool = make_pool(PolicyKind::legacy, model_allocator());
  std::vector<void*> ring;
  const std::size_t lens[] = {1, 100, 4096, 4097, 16 * 1024, 64 * 1024, 1024 * 1024};
  for (std::size_t len : lens) {
    const unsigned slots = static_cast<unsigned>((len + kPageSize - 1) / kPageSize);
    write_hooks(*pool, len, slots > 16 ? 16 : slots, ring);
    read_hooks(*pool, ring);
    EXPECT_LE(pool->stats().pool_size, 2u);
  }
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.allocs_outside_lock, 0u);
  EXPECT_EQ(s.frees_outside_lock, 0u);
  EXPECT_GT(s.allocs_in_lock, 0u);
  EXPECT_GT(s.frees_in_lock, 0u);
  EXPECT_EQ(s.pool_peak, 2u);
}

TEST(PoolLegacy, DestructionFreesTheCachedPages) {
  auto alloc = model_allocator();
  {
    auto pool = make_pool(PolicyKind::legacy, alloc);
    std::vector<void*> ring;
    write_hooks(*pool, 64 * 1024, 16, ring);
    read_hooks(*pool, ring);
    ASSERT_EQ(pool->stats().pool_size, 2u);
    EXPECT_EQ(alloc->stats().frees, 14u);
  }
  const AllocatorStats a = alloc->stats();
  EXPECT_EQ(a.allocations, 16u);
  EXPECT_EQ(a.frees, 16u);
}

}  // namespace
}  // namespace pipepool
