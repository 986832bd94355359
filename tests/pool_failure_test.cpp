// Allocation failure in every policy: get_page returns nullptr, prefill stops at the first
// failure, counters stay exact, and no page leaks.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pool_test_support.hpp"

namespace pipepool {
namespace {

std::shared_ptr<PageAllocator> failing_allocator(std::uint64_t fail_nth, std::uint64_t fail_every) {
  ModelAllocatorConfig config;
  config.fail_nth = fail_nth;
  config.fail_every = fail_every;
  return make_allocator({AllocatorKind::model, config});
}

// A write as the pipe does it: stops taking pages at the first nullptr. Returns the pages got.
unsigned write_hooks(PagePool& pool, std::size_t len, unsigned slots, std::vector<void*>& ring) {
  PageBatch burst;
  PageBatch spare;
  pool.prefill(len, burst);
  pool.prefill_locked(burst);
  unsigned got = 0;
  for (; got < slots; ++got) {
    void* page = pool.get_page(burst);
    if (page == nullptr) break;
    std::memset(page, 0x5a, kPageSize);
    ring.push_back(page);
  }
  pool.trim_locked(burst, spare);
  EXPECT_TRUE(burst.empty());
  pool.release(spare);
  return got;
}

using pool_test::read_hooks;

// The pool's counters agree with the allocator's.
void expect_counters_match(const PagePool& pool) {
  const PoolStats p = pool.stats();
  const AllocatorStats a = pool.allocator().stats();
  EXPECT_EQ(p.allocs_in_lock + p.allocs_outside_lock, a.allocations);
  EXPECT_EQ(p.frees_in_lock + p.frees_outside_lock, a.frees);
  EXPECT_EQ(p.alloc_failures, a.failures);
}

TEST(PoolFailure, LegacyGetPageReturnsNullAndRecovers) {
  auto alloc = failing_allocator(1, 0);
  {
    auto pool = make_pool(PolicyKind::legacy, alloc);
    PageBatch burst;
    EXPECT_EQ(pool->get_page(burst), nullptr);
    PoolStats s = pool->stats();
    EXPECT_EQ(s.alloc_failures, 1u);
    EXPECT_EQ(s.allocs_in_lock, 0u);
    void* page = pool->get_page(burst);
    ASSERT_NE(page, nullptr);
    s = pool->stats();
    EXPECT_EQ(s.alloc_failures, 1u);
    EXPECT_EQ(s.allocs_in_lock, 1u);
    pool->put_page(page);
    expect_counters_match(*pool);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
}

TEST(PoolFailure, PreallocPrefillStopsAtTheFirstFailure) {
  auto alloc = failing_allocator(4, 0);
  {
    auto pool = make_pool(PolicyKind::prealloc, alloc);
    PageBatch burst;
    pool->prefill(64 * 1024, burst);
    EXPECT_EQ(burst.count, 3u);
    EXPECT_EQ(pool->stats().allocs_outside_lock, 3u);
    EXPECT_EQ(pool->stats().alloc_failures, 1u);
    // Exactly four calls: the fifth was never tried.
    EXPECT_EQ(alloc->stats().allocations + alloc->stats().failures, 4u);
    pool->prefill_locked(burst);
    std::vector<void*> ring;
    for (int i = 0; i < 8; ++i) ring.push_back(pool->get_page(burst));
    for (void* page : ring) EXPECT_NE(page, nullptr);
    PageBatch spare;
    pool->trim_locked(burst, spare);
    pool->release(spare);
    const PoolStats s = pool->stats();
    EXPECT_EQ(s.allocs_outside_lock, 3u);
    EXPECT_EQ(s.allocs_in_lock, 5u);
    EXPECT_EQ(s.alloc_failures, 1u);
    read_hooks(*pool, ring);
    expect_counters_match(*pool);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
}

TEST(PoolFailure, PreallocGetPageReturnsNullWhenBurstAndTmpPageAreEmpty) {
  auto alloc = failing_allocator(0, 2);  // calls 2, 4, 6, ... fail
  {
    auto pool = make_pool(PolicyKind::prealloc, alloc);
    std::vector<void*> ring;
    // prefill: call 1 ok, call 2 fails -> 1 page; get_page: burst, call 3 ok, call 4 fails.
    EXPECT_EQ(write_hooks(*pool, 64 * 1024, 16, ring), 2u);
    const PoolStats s = pool->stats();
    EXPECT_EQ(s.allocs_outside_lock, 1u);
    EXPECT_EQ(s.allocs_in_lock, 1u);
    EXPECT_EQ(s.alloc_failures, 2u);
    read_hooks(*pool, ring);
    EXPECT_EQ(pool->stats().pool_size, 2u);
    expect_counters_match(*pool);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
}

TEST(PoolFailure, UnifiedPrefillStopsAtTheFirstFailure) {
  auto alloc = failing_allocator(3, 0);
  {
    auto pool = make_pool(PolicyKind::unified, alloc);
    PageBatch burst;
    pool->prefill(64 * 1024, burst);
    EXPECT_EQ(burst.count, 2u);
    EXPECT_EQ(alloc->stats().allocations + alloc->stats().failures, 3u);
    pool->prefill_locked(burst);
    EXPECT_EQ(pool->stats().pool_size, 2u);
    std::vector<void*> ring;
    for (int i = 0; i < 4; ++i) ring.push_back(pool->get_page(burst));
    for (void* page : ring) EXPECT_NE(page, nullptr);
    PageBatch spare;
    pool->trim_locked(burst, spare);
    pool->release(spare);
    const PoolStats s = pool->stats();
    EXPECT_EQ(s.allocs_outside_lock, 2u);
    EXPECT_EQ(s.pool_hits, 2u);
    EXPECT_EQ(s.allocs_in_lock, 2u);
    EXPECT_EQ(s.alloc_failures, 1u);
    read_hooks(*pool, ring);
    expect_counters_match(*pool);
  }
  EXPECT_EQ(alloc->stats().allocations, alloc->stats().frees);
}

TEST(PoolFailure, UnifiedGetPageReturnsNullWhenPoolIsEmptyAndAllocationFails) {
  auto alloc = failing_allocator(0, 1);  // every call fails
  auto pool = make_pool(PolicyKind::unified, alloc);
  PageBatch burst;
  pool->prefill(64 * 1024, burst);
  EXPECT_TRUE(burst.empty());
  EXPECT_EQ(pool->stats().alloc_failures, 1u);  // stopped at the first failure
  pool->prefill_locked(burst);
  EXPECT_EQ(pool->get_page(burst), nullptr);
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.alloc_failures, 2u);
  EXPECT_EQ(s.allocs_in_lock + s.allocs_outside_lock, 0u);
  EXPECT_EQ(s.pool_size, 0u);
  EXPECT_EQ(s.pool_hits, 0u);
}

class PoolFailureNoLeak : public ::testing::TestWithParam<PolicyKind> {};

TEST_P(PoolFailureNoLeak, EveryAllocatedPageIsFreedOnceThePoolIsGone) {
  for (std::uint64_t every : {2u, 3u, 5u, 7u}) {
    auto alloc = failing_allocator(0, every);
    std::uint64_t failures = 0;
    {
      auto pool = make_pool(GetParam(), alloc);
      std::vector<void*> ring;
      const std::size_t lens[] = {100, 4097, 5 * 4096, 64 * 1024, 1024 * 1024};
      for (std::size_t len : lens) {
        const unsigned slots = len >= 64 * 1024 ? 16 : static_cast<unsigned>(len / kPageSize + 1);
        write_hooks(*pool, len, slots, ring);
        if (len == 5 * 4096) continue;  // leave pages in the ring across a write
        read_hooks(*pool, ring);
        EXPECT_LE(pool->stats().pool_size, kPreallocKeep);
      }
      read_hooks(*pool, ring);
      expect_counters_match(*pool);
      failures = pool->stats().alloc_failures;
    }
    const AllocatorStats a = alloc->stats();
    EXPECT_GT(failures, 0u) << "every " << every;
    EXPECT_EQ(a.failures, failures);
    EXPECT_GT(a.allocations, 0u);
    EXPECT_EQ(a.allocations, a.frees) << "every " << every;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, PoolFailureNoLeak,
                         ::testing::Values(PolicyKind::legacy, PolicyKind::prealloc,
                                           PolicyKind::unified),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace pipepool
