// `model` allocator: failure injection by call number, a page cache with exact counters, and the
// configured busy-wait costs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "allocator_test_support.hpp"
#include "allocators/model_allocator.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool {
namespace {

using alloc_test::fill_page;
using alloc_test::page_aligned;
using alloc_test::page_holds;

std::shared_ptr<PageAllocator> make_model(ModelAllocatorConfig config) {
  return make_allocator({.kind = AllocatorKind::model, .model = config});
}

// Calls allocate() `calls` times; returns the 1-based numbers of the calls that failed and frees
// the pages of the others.
std::vector<std::uint64_t> failed_calls(PageAllocator& allocator, std::uint64_t calls) {
  std::vector<std::uint64_t> failed;
  std::vector<void*> pages;
  for (std::uint64_t call = 1; call <= calls; ++call) {
    void* page = allocator.allocate();
    if (page == nullptr) {
      failed.push_back(call);
    } else {
      pages.push_back(page);
    }
  }
  for (void* page : pages) allocator.free(page);
  return failed;
}

TEST(AllocatorModel, PagesAreAlignedWholeAndDistinct) {
  auto allocator = make_model({});
  EXPECT_EQ(allocator->name(), "model");
  std::vector<void*> pages;
  for (std::uint64_t i = 0; i < 32; ++i) {
    void* page = allocator->allocate();
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(page_aligned(page)) << page;
    fill_page(page, i);
    pages.push_back(page);
  }
  for (std::uint64_t i = 0; i < pages.size(); ++i) {
    EXPECT_TRUE(page_holds(pages[i], i)) << "page " << i << " was overwritten";
    allocator->free(pages[i]);
  }
}

TEST(AllocatorModel, FailNthFailsExactlyThatCall) {
  auto allocator = make_model({.fail_nth = 3});
  EXPECT_EQ(failed_calls(*allocator, 10), (std::vector<std::uint64_t>{3}));
  AllocatorStats s = allocator->stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.allocations, 9u);
  EXPECT_EQ(s.frees, 9u);
  // Calls keep counting past N: no second failure.
  EXPECT_TRUE(failed_calls(*allocator, 10).empty());
}

TEST(AllocatorModel, FailEveryFailsEachMultiple) {
  auto allocator = make_model({.fail_every = 4});
  EXPECT_EQ(failed_calls(*allocator, 13), (std::vector<std::uint64_t>{4, 8, 12}));
  EXPECT_EQ(allocator->stats().failures, 3u);
  EXPECT_EQ(allocator->stats().allocations, 10u);
}

TEST(AllocatorModel, FailNthAndFailEveryCombine) {
  auto allocator = make_model({.fail_nth = 2, .fail_every = 5});
  EXPECT_EQ(failed_calls(*allocator, 11), (std::vector<std::uint64_t>{2, 5, 10}));
}

TEST(AllocatorModel, FailuresCountAcrossThreads) {
  auto allocator = make_model({.fail_every = 7});
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 1000;
  std::atomic<std::uint64_t> nulls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        void* page = allocator->allocate();
        if (page == nullptr) {
          nulls.fetch_add(1);
        } else {
          fill_page(page, static_cast<std::uint64_t>(i));
          allocator->free(page);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  constexpr std::uint64_t kCalls = kThreads * kCallsPerThread;
  EXPECT_EQ(nulls.load(), kCalls / 7);
  EXPECT_EQ(allocator->stats().failures, kCalls / 7);
  EXPECT_EQ(allocator->stats().allocations + allocator->stats().failures, kCalls);
}

TEST(AllocatorModel, FreedPagesAreReusedBeforeTheHeap) {
  // One cache: a thread moved to another CPU between free and allocate would otherwise find its
  // freed page in the first CPU's cache and take a fresh one, as the kernel would.
  auto allocator = make_model({.cpu_caches = 1});
  void* first = allocator->allocate();
  ASSERT_NE(first, nullptr);
  allocator->free(first);
  void* again = allocator->allocate();
  EXPECT_EQ(again, first);
  void* second = allocator->allocate();
  EXPECT_NE(second, first);
  allocator->free(again);
  allocator->free(second);
  AllocatorStats s = allocator->stats();
  EXPECT_EQ(s.allocations, 3u);
  EXPECT_EQ(s.fresh_pages, 2u);
  EXPECT_EQ(s.frees, 3u);
  EXPECT_EQ(s.returned_pages, 0u);
}

TEST(AllocatorModel, KeepsTheConfiguredCosts) {
  const ModelAllocatorConfig config{
      .alloc_cost_ns = 1500, .free_cost_ns = 700, .fail_nth = 9, .fail_every = 11};
  auto allocator = make_model(config);
  auto* model = dynamic_cast<internal::ModelAllocator*>(allocator.get());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->config().alloc_cost_ns, 1500u);
  EXPECT_EQ(model->config().free_cost_ns, 700u);
  EXPECT_EQ(model->config().fail_nth, 9u);
  EXPECT_EQ(model->config().fail_every, 11u);
}

// A busy-wait cannot finish early, so only lower bounds are asserted.
TEST(AllocatorModel, AllocationCostIsPaidOnEveryCall) {
  constexpr std::uint64_t kCostNs = 100'000;
  constexpr int kCalls = 100;
  auto allocator = make_model({.alloc_cost_ns = kCostNs, .fail_every = 10});
  std::vector<void*> pages;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) pages.push_back(allocator->allocate());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::nanoseconds(kCostNs * kCalls));  // failed calls pay too
  EXPECT_EQ(allocator->stats().failures, 10u);
  for (void* page : pages) allocator->free(page);
}

TEST(AllocatorModel, FreeCostIsPaidOnEveryFree) {
  constexpr std::uint64_t kCostNs = 100'000;
  constexpr int kPages = 100;
  auto allocator = make_model({.free_cost_ns = kCostNs});
  std::vector<void*> pages;
  for (int i = 0; i < kPages; ++i) pages.push_back(allocator->allocate());
  const auto start = std::chrono::steady_clock::now();
  for (void* page : pages) allocator->free(page);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::nanoseconds(kCostNs * kPages));
  EXPECT_EQ(allocator->stats().frees, static_cast<std::uint64_t>(kPages));
}

#if defined(__SANITIZE_ADDRESS__)
TEST(AllocatorModelDeathTest, FreedPageIsPoisonedUnderAsan) {
  auto allocator = make_model({});
  auto* page = static_cast<volatile char*>(allocator->allocate());
  ASSERT_NE(page, nullptr);
  page[0] = 1;
  allocator->free(const_cast<char*>(page));
  EXPECT_DEATH(page[100] = 2, "use-after-poison");
}
#endif

}  // namespace
}  // namespace pipepool
