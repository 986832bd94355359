// The tracepoint filters that select pipe pages, built from the flag values a format file gives:
// other bit numbers give another filter; a format without the flags or fields gives a reason.
#include <gtest/gtest.h>

#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"

namespace {

using pipe_bench::kernel_pages::pipe_page_alloc_filter;
using pipe_bench::kernel_pages::pipe_page_free_filter;
using pipe_bench::kernel_pages::TracepointFormat;

TracepointFormat alloc_format(std::uint64_t highmem, std::uint64_t account, std::uint64_t movable) {
  TracepointFormat f;
  f.id = 1;
  f.fields = {{"order", "unsigned int order"}, {"gfp_flags", "unsigned long gfp_flags"}};
  f.flags = {{"__GFP_HIGHMEM", highmem}, {"__GFP_ACCOUNT", account}, {"__GFP_MOVABLE", movable}};
  return f;
}

TEST(BenchPipePageFilter, AllocFilterUsesTheFormatsBits) {
  const auto linux618 = pipe_page_alloc_filter(alloc_format(0x2, 0x400000, 0x8));
  EXPECT_EQ(linux618.error, "");
  EXPECT_EQ(linux618.filter,
            "order == 0 && gfp_flags & 0x2 && gfp_flags & 0x400000 && !(gfp_flags & 0x8)");
  const auto other = pipe_page_alloc_filter(alloc_format(0x2, 0x100000, 0x8));
  EXPECT_EQ(other.filter,
            "order == 0 && gfp_flags & 0x2 && gfp_flags & 0x100000 && !(gfp_flags & 0x8)");
}

TEST(BenchPipePageFilter, MissingFlagOrFieldIsAReason) {
  auto no_account = alloc_format(0x2, 0x400000, 0x8);
  no_account.flags.erase("__GFP_ACCOUNT");
  const auto a = pipe_page_alloc_filter(no_account);
  EXPECT_TRUE(a.filter.empty());
  EXPECT_EQ(a.error, "mm_page_alloc's flag table has no __GFP_ACCOUNT");

  auto no_gfp = alloc_format(0x2, 0x400000, 0x8);
  no_gfp.fields.erase("gfp_flags");
  EXPECT_EQ(pipe_page_alloc_filter(no_gfp).error, "mm_page_alloc has no field 'gfp_flags'");
}

TEST(BenchPipePageFilter, FreeFilterIsOrderZeroOutsideInterrupts) {
  TracepointFormat f;
  f.fields = {{"common_flags", "unsigned char common_flags"},
              {"pfn", "unsigned long pfn"},
              {"order", "unsigned int order"}};
  EXPECT_EQ(pipe_page_free_filter(f).filter, "order == 0 && !(common_flags & 0x18)");
  auto no_order = f;
  no_order.fields.erase("order");
  EXPECT_EQ(pipe_page_free_filter(no_order).error, "mm_page_free has no field 'order'");
  f.fields.erase("common_flags");
  EXPECT_EQ(pipe_page_free_filter(f).error, "mm_page_free has no field 'common_flags'");
}

}  // namespace
