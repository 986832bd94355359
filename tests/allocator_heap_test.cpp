// `heap` allocator: aligned whole pages, fresh every time, exact counters.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "allocator_test_support.hpp"
#include "pipepool/page_allocator.hpp"

namespace pipepool {
namespace {

using alloc_test::fill_page;
using alloc_test::page_aligned;
using alloc_test::page_holds;

TEST(AllocatorHeap, PagesAreAlignedWholeAndDistinct) {
  auto allocator = make_allocator({.kind = AllocatorKind::heap});
  ASSERT_NE(allocator, nullptr);
  EXPECT_EQ(allocator->name(), "heap");

  constexpr std::uint64_t kPages = 64;
  std::vector<void*> pages;
  std::set<void*> distinct;
  for (std::uint64_t i = 0; i < kPages; ++i) {
    void* page = allocator->allocate();
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(page_aligned(page)) << page;
    fill_page(page, i);
    pages.push_back(page);
    distinct.insert(page);
  }
  EXPECT_EQ(distinct.size(), kPages);
  for (std::uint64_t i = 0; i < kPages; ++i) {
    EXPECT_TRUE(page_holds(pages[i], i)) << "page " << i << " was overwritten";
    allocator->free(pages[i]);
  }
}

TEST(AllocatorHeap, CountsEveryCall) {
  auto allocator = make_allocator({.kind = AllocatorKind::heap});
  std::vector<void*> pages;
  for (int i = 0; i < 10; ++i) pages.push_back(allocator->allocate());
  for (int i = 0; i < 4; ++i) allocator->free(pages[static_cast<std::size_t>(i)]);
  allocator->free(nullptr);  // a no-op, not counted

  AllocatorStats s = allocator->stats();
  EXPECT_EQ(s.allocations, 10u);
  EXPECT_EQ(s.frees, 4u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.fresh_pages, 10u);
  EXPECT_EQ(s.returned_pages, 0u);

  for (std::size_t i = 4; i < pages.size(); ++i) allocator->free(pages[i]);
  EXPECT_EQ(allocator->stats().frees, 10u);
}

}  // namespace
}  // namespace pipepool
