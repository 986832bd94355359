// `model` allocator's per-CPU caches: the fast path stays in the cache, refills and drains move
// whole batches through the shared list, and pages freed on other threads are neither lost nor
// handed out twice.
#include <gtest/gtest.h>
#include <sys/sysinfo.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "allocator_test_support.hpp"
#include "allocators/model_allocator.hpp"

namespace pipepool {
namespace {

using alloc_test::fill_page;
using internal::ModelAllocator;

TEST(AllocatorModelCache, OneCachePerConfiguredCpuByDefault) {
  ModelAllocator allocator({});
  EXPECT_EQ(allocator.cache_count(), static_cast<std::size_t>(get_nprocs_conf()));
  ModelAllocator three({.cpu_caches = 3});
  EXPECT_EQ(three.cache_count(), 3u);
}

TEST(AllocatorModelCache, AllocFreeCycleStaysInTheCache) {
  ModelAllocator allocator({.cpu_caches = 1, .cache_batch = 4, .cache_high = 8});
  for (int i = 0; i < 1000; ++i) {
    void* page = allocator.allocate();
    ASSERT_NE(page, nullptr);
    allocator.free(page);
  }
  const internal::ModelCounters c = allocator.counters();
  EXPECT_EQ(c.refills, 0u);
  EXPECT_EQ(c.drains, 0u);
  EXPECT_EQ(allocator.stats().fresh_pages, 1u);
  EXPECT_EQ(allocator.free_pages(), 1u);
}

TEST(AllocatorModelCache, DrainsAndRefillsInBatches) {
  ModelAllocator allocator({.cpu_caches = 1, .cache_batch = 4, .cache_high = 8});
  std::vector<void*> pages;
  for (int i = 0; i < 20; ++i) pages.push_back(allocator.allocate());
  EXPECT_EQ(allocator.counters().refills, 0u);  // the shared list was empty
  EXPECT_EQ(allocator.stats().fresh_pages, 20u);

  // The cache drains 4 pages each time it would hold 9: after frees 9, 13 and 17.
  for (void* page : pages) allocator.free(page);
  internal::ModelCounters c = allocator.counters();
  EXPECT_EQ(c.drains, 3u);
  EXPECT_EQ(c.drained_pages, 12u);
  EXPECT_EQ(allocator.free_pages(), 20u);

  // 8 pages from the cache, then 3 refills of 4 from the shared list; none from the heap.
  pages.clear();
  for (int i = 0; i < 20; ++i) pages.push_back(allocator.allocate());
  c = allocator.counters();
  EXPECT_EQ(c.refills, 3u);
  EXPECT_EQ(c.refilled_pages, 12u);
  EXPECT_EQ(allocator.stats().fresh_pages, 20u);
  EXPECT_EQ(allocator.free_pages(), 0u);
  EXPECT_EQ(std::set<void*>(pages.begin(), pages.end()).size(), 20u);
  for (void* page : pages) allocator.free(page);
}

TEST(AllocatorModelCache, BatchAndHighAreNormalized) {
  ModelAllocator allocator({.cpu_caches = 1, .cache_batch = 0, .cache_high = 0});
  EXPECT_EQ(allocator.config().cache_batch, 1u);
  EXPECT_EQ(allocator.config().cache_high, 1u);
  void* a = allocator.allocate();
  void* b = allocator.allocate();
  allocator.free(a);
  allocator.free(b);  // 2 > high 1: drains 1
  EXPECT_EQ(allocator.counters().drains, 1u);
  EXPECT_EQ(allocator.free_pages(), 2u);
}

// Writers allocate and hand pages to readers, which free them (on other threads, usually other
// CPUs): every page freed is accounted for, and no page is handed out while still in use.
TEST(AllocatorModelCache, CrosswiseFreesLoseNoPage) {
  ModelAllocator allocator({.cpu_caches = 4, .cache_batch = 4, .cache_high = 8});
  constexpr int kWriters = 3;
  constexpr int kReaders = 3;
  constexpr int kPagesPerWriter = 4000;
  std::mutex mutex;
  std::deque<void*> queue;
  std::set<void*> outstanding;
  bool duplicate = false;
  int writers_left = kWriters;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPagesPerWriter; ++i) {
        void* page = allocator.allocate();
        if (page == nullptr) continue;
        fill_page(page, static_cast<std::uint64_t>(w * kPagesPerWriter + i));
        std::lock_guard lock(mutex);
        if (!outstanding.insert(page).second) duplicate = true;
        queue.push_back(page);
      }
      std::lock_guard lock(mutex);
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      for (;;) {
        void* page = nullptr;
        {
          std::lock_guard lock(mutex);
          if (!queue.empty()) {
            page = queue.front();
            queue.pop_front();
            outstanding.erase(page);
          } else if (writers_left == 0) {
            return;
          }
        }
        if (page == nullptr) {
          std::this_thread::yield();
        } else {
          allocator.free(page);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(duplicate);
  const AllocatorStats s = allocator.stats();
  EXPECT_EQ(s.allocations, static_cast<std::uint64_t>(kWriters * kPagesPerWriter));
  EXPECT_EQ(s.frees, s.allocations);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(allocator.free_pages(), s.fresh_pages);  // every page ever made is free again
  const internal::ModelCounters c = allocator.counters();
  EXPECT_EQ(c.drained_pages, c.drains * 4);
  EXPECT_GE(c.drained_pages, c.refilled_pages);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(AllocatorModelCacheDeathTest, DrainedPageStaysPoisonedUnderAsan) {
  ModelAllocator allocator({.cpu_caches = 1, .cache_batch = 1, .cache_high = 1});
  auto* first = static_cast<volatile char*>(allocator.allocate());
  void* second = allocator.allocate();
  ASSERT_NE(first, nullptr);
  allocator.free(const_cast<char*>(first));
  allocator.free(second);  // drains `first`, the oldest, to the shared list
  ASSERT_EQ(allocator.counters().drains, 1u);
  EXPECT_DEATH(first[10] = 2, "use-after-poison");
}
#endif

}  // namespace
}  // namespace pipepool
