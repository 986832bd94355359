// `os` allocator: one process-wide instance; whole, distinct pages under concurrency; surplus
// above the high watermark goes back to the OS and comes back zero-filled; thread caches are
// flushed at thread exit; mmap failure is reported as nullptr.
//
// The instance is process-wide, so these tests assert deltas, and assume no other thread in the
// process uses it while they run (gtest runs tests one at a time).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "allocator_test_support.hpp"
#include "allocators/os_allocator.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool {
namespace {

using alloc_test::fill_page;
using alloc_test::page_aligned;
using alloc_test::page_holds;
using alloc_test::page_is_zero;
using internal::kOsHighWatermark;
using internal::kOsLowWatermark;
using internal::kOsThreadCacheMax;
using internal::OsAllocator;
using internal::OsInventory;

OsAllocator& os() {
  return *OsAllocator::instance();
}

// Free pages the allocator holds outside other threads' caches.
std::size_t free_pages(const OsInventory& inv) {
  return inv.untouched + inv.shared_free + inv.returned + inv.releasing + inv.this_thread_cached;
}

// More pages than the shared list and this thread's cache can hold together, so allocating them
// empties both and freeing them must cross the high watermark.
constexpr std::size_t kAboveHigh = kOsHighWatermark + 2 * kOsThreadCacheMax;

struct Tagged {
  void* page;
  std::uint64_t tag;
};

TEST(AllocatorOs, MakeAllocatorReturnsTheOneInstance) {
  auto a = make_allocator({.kind = AllocatorKind::os});
  auto b = make_allocator({.kind = AllocatorKind::os});
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a.get(), static_cast<PageAllocator*>(&os()));
  EXPECT_EQ(a->name(), "os");
}

TEST(AllocatorOs, PagesAreAlignedWholeAndDistinct) {
  const AllocatorStats before = os().stats();
  constexpr std::uint64_t kPages = 3 * kOsThreadCacheMax + 7;  // past the thread cache
  std::vector<void*> pages;
  for (std::uint64_t i = 0; i < kPages; ++i) {
    void* page = os().allocate();
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(page_aligned(page)) << page;
    fill_page(page, i);
    pages.push_back(page);
  }
  EXPECT_EQ(std::set<void*>(pages.begin(), pages.end()).size(), kPages);
  for (std::uint64_t i = 0; i < kPages; ++i) {
    EXPECT_TRUE(page_holds(pages[i], i)) << "page " << i << " was overwritten";
    os().free(pages[i]);
  }
  os().free(nullptr);  // a no-op, not counted
  const AllocatorStats after = os().stats();
  EXPECT_EQ(after.allocations - before.allocations, kPages);
  EXPECT_EQ(after.frees - before.frees, kPages);
  EXPECT_EQ(after.failures, before.failures);
}

// Each thread allocates bursts of pages (some larger than the high watermark), tags every byte,
// and checks the tags before freeing them in random order: a page handed out twice, or lost
// writes, break a tag. Afterwards no page may be missing from the allocator's lists.
TEST(AllocatorOs, ConcurrentThreadsNeverShareAPage) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 20000;
  const OsInventory inv_before = os().inventory();
  const AllocatorStats before = os().stats();
  std::atomic<std::uint64_t> corrupt{0};
  std::atomic<std::uint64_t> nulls{0};
  std::atomic<std::uint64_t> ops{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 1);
      std::vector<Tagged> held;
      std::uint64_t seq = 0;
      int done = 0;
      while (done < kOpsPerThread) {
        const std::size_t burst = (rng() % 8 == 0) ? 200 + rng() % 1400 : 1 + rng() % 80;
        for (std::size_t i = 0; i < burst && done < kOpsPerThread; ++i, ++done) {
          void* page = os().allocate();
          if (page == nullptr) {
            nulls.fetch_add(1);
            continue;
          }
          const std::uint64_t tag = (static_cast<std::uint64_t>(t) << 56) | ++seq;
          fill_page(page, tag);
          held.push_back({page, tag});
        }
        std::shuffle(held.begin(), held.end(), rng);
        const std::size_t keep = rng() % 2 == 0 ? 0 : held.size() / 4;
        while (held.size() > keep) {
          if (!page_holds(held.back().page, held.back().tag)) corrupt.fetch_add(1);
          os().free(held.back().page);
          held.pop_back();
          ++done;
        }
      }
      for (const Tagged& h : held) {
        if (!page_holds(h.page, h.tag)) corrupt.fetch_add(1);
        os().free(h.page);
      }
      ops.fetch_add(static_cast<std::uint64_t>(done));
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(corrupt.load(), 0u);
  EXPECT_EQ(nulls.load(), 0u);
  const AllocatorStats after = os().stats();
  EXPECT_EQ(after.allocations - before.allocations, after.frees - before.frees);
  EXPECT_GE(ops.load(), static_cast<std::uint64_t>(kThreads) * kOpsPerThread);
  // Every page the threads took is back on a list (their caches were flushed at exit).
  const OsInventory inv_after = os().inventory();
  EXPECT_EQ(free_pages(inv_after) - free_pages(inv_before), inv_after.mapped - inv_before.mapped);
}

// Pages allocated by one thread and freed by others, as a pipe's writers and readers do.
TEST(AllocatorOs, PagesFreedByAnotherThread) {
  constexpr std::uint64_t kPages = 20000;
  constexpr int kConsumers = 2;
  const OsInventory inv_before = os().inventory();
  const AllocatorStats before = os().stats();
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Tagged> queue;
  bool done = false;
  std::atomic<std::uint64_t> corrupt{0};

  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&] {
      for (;;) {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return done || !queue.empty(); });
        if (queue.empty()) return;
        const Tagged h = queue.front();
        queue.pop_front();
        lock.unlock();
        if (!page_holds(h.page, h.tag)) corrupt.fetch_add(1);
        os().free(h.page);
      }
    });
  }
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kPages; ++i) {
      void* page = os().allocate();
      if (page == nullptr) break;
      fill_page(page, i);
      {
        std::lock_guard lock(mutex);
        queue.push_back({page, i});
      }
      cv.notify_one();
    }
    std::lock_guard lock(mutex);
    done = true;
    cv.notify_all();
  });
  producer.join();
  for (auto& t : consumers) t.join();

  EXPECT_EQ(corrupt.load(), 0u);
  const AllocatorStats after = os().stats();
  EXPECT_EQ(after.allocations - before.allocations, kPages);
  EXPECT_EQ(after.frees - before.frees, kPages);
  const OsInventory inv_after = os().inventory();
  EXPECT_EQ(free_pages(inv_after) - free_pages(inv_before), inv_after.mapped - inv_before.mapped);
}

TEST(AllocatorOs, ThreadExitFlushesItsCache) {
  const OsInventory inv_before = os().inventory();
  std::thread([] {
    std::vector<void*> pages;
    for (int i = 0; i < 40; ++i) pages.push_back(os().allocate());
    for (void* page : pages) os().free(page);
    // Freed pages sit in this thread's cache until it exits.
    EXPECT_GT(os().inventory().this_thread_cached, 0u);
  }).join();
  const OsInventory inv_after = os().inventory();
  EXPECT_EQ(free_pages(inv_after) - free_pages(inv_before), inv_after.mapped - inv_before.mapped);
}

TEST(AllocatorOs, FreeingAboveTheHighWatermarkReturnsPagesToTheOs) {
  const AllocatorStats before = os().stats();
  std::vector<void*> pages;
  for (std::size_t i = 0; i < kAboveHigh; ++i) pages.push_back(os().allocate());
  for (void* page : pages) os().free(page);

  const AllocatorStats after = os().stats();
  EXPECT_GT(after.returned_pages, before.returned_pages);
  // Returns come in batches: from above the high watermark down to the low one.
  const std::uint64_t released = after.returned_pages - before.returned_pages;
  EXPECT_GT(released, kOsHighWatermark - kOsLowWatermark);
  const OsInventory inv = os().inventory();
  EXPECT_LE(inv.shared_free, kOsHighWatermark);
  EXPECT_GE(inv.shared_free, kOsLowWatermark);
  EXPECT_LE(inv.this_thread_cached, kOsThreadCacheMax);
}

// Pages released by the watermark are handed out again, and read zero, as fresh pages.
TEST(AllocatorOs, ReturnedPagesComeBackZeroFilled) {
  std::vector<void*> pages;
  for (std::size_t i = 0; i < kAboveHigh; ++i) {
    void* page = os().allocate();
    ASSERT_NE(page, nullptr);
    fill_page(page, 0xA5A5A5A5A5A5A5A5u);
    pages.push_back(page);
  }
  const std::set<void*> ours(pages.begin(), pages.end());
  for (void* page : pages) os().free(page);
  pages.clear();
  ASSERT_GT(os().inventory().returned, 0u);

  // Hot pages come first; then the fresh ones, which must be ours and zero-filled.
  constexpr int kFreshWanted = 16;
  const std::uint64_t fresh_before = os().stats().fresh_pages;
  int fresh_seen = 0;
  for (std::size_t i = 0; i < kAboveHigh && fresh_seen < kFreshWanted; ++i) {
    const std::uint64_t fresh = os().stats().fresh_pages;
    void* page = os().allocate();
    ASSERT_NE(page, nullptr);
    pages.push_back(page);
    if (os().stats().fresh_pages == fresh) continue;
    ++fresh_seen;
    EXPECT_TRUE(ours.count(page) == 1) << "fresh page " << page << " is not a released one";
    EXPECT_TRUE(page_is_zero(page)) << "fresh page " << page << " kept old data";
  }
  EXPECT_EQ(fresh_seen, kFreshWanted);
  EXPECT_EQ(os().stats().fresh_pages - fresh_before, static_cast<std::uint64_t>(kFreshWanted));
  for (void* page : pages) os().free(page);
}

TEST(AllocatorOs, ReleaseFreePagesMakesTheNextPagesFresh) {
  // Taking kAboveHigh pages empties the hot lists, so every page released below is ours.
  constexpr std::size_t kPages = 300;
  std::vector<void*> pages;
  for (std::size_t i = 0; i < kAboveHigh; ++i) {
    void* page = os().allocate();
    ASSERT_NE(page, nullptr);
    fill_page(page, i + 1);
    pages.push_back(page);
  }
  const std::set<void*> ours(pages.begin(), pages.end());
  for (void* page : pages) os().free(page);
  pages.clear();

  const std::uint64_t returned_before = os().stats().returned_pages;
  os().release_free_pages();
  const OsInventory inv = os().inventory();
  EXPECT_EQ(inv.shared_free, 0u);
  EXPECT_EQ(inv.this_thread_cached, 0u);
  EXPECT_GE(os().stats().returned_pages - returned_before, kPages);

  const std::uint64_t fresh_before = os().stats().fresh_pages;
  for (std::size_t i = 0; i < kPages; ++i) {
    void* page = os().allocate();
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(ours.count(page) == 1) << page;
    EXPECT_TRUE(page_is_zero(page)) << page;
    pages.push_back(page);
  }
  EXPECT_EQ(os().stats().fresh_pages - fresh_before, kPages);
  for (void* page : pages) os().free(page);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// Runs in a child process: caps the address space at its current size, then allocates until
// the mapped pages run out. Exits 0 if allocate() then returned nullptr and counted a failure.
[[noreturn]] void allocate_past_an_address_space_cap() {
  const std::size_t available = free_pages(os().inventory());
  const std::uint64_t failures = os().stats().failures;
  long vm_pages = 0;
  std::ifstream("/proc/self/statm") >> vm_pages;
  const auto vm_bytes = static_cast<rlim_t>(vm_pages) * static_cast<rlim_t>(getpagesize());
  const rlimit limit{vm_bytes, vm_bytes};
  if (vm_pages <= 0 || setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
  for (std::size_t i = 0; i <= available; ++i) {
    if (os().allocate() == nullptr) _exit(os().stats().failures == failures + 1 ? 0 : 2);
  }
  _exit(1);  // more pages than the lists held: an mmap succeeded under the cap
}

TEST(AllocatorOsDeathTest, MmapFailureReturnsNullptr) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(allocate_past_an_address_space_cap(), ::testing::ExitedWithCode(0), "");
}
#else
TEST(AllocatorOsDeathTest, MmapFailureReturnsNullptr) {
  GTEST_SKIP() << "sanitizer runtimes need address space an RLIMIT_AS cap would deny";
}
#endif

#if defined(__SANITIZE_ADDRESS__)
TEST(AllocatorOsDeathTest, FreedPageIsPoisonedUnderAsan) {
  auto* page = static_cast<volatile char*>(os().allocate());
  ASSERT_NE(page, nullptr);
  page[0] = 1;
  os().free(const_cast<char*>(page));
  EXPECT_DEATH(page[100] = 2, "use-after-poison");
}
#endif

}  // namespace
}  // namespace pipepool
