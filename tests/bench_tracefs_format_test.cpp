// Parsing a tracepoint's format file: the id, the fields, and the print fmt's flag table with the
// values as the running kernel defines them (GFP bit numbers move between kernel versions).
#include <gtest/gtest.h>

#include <string>

#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace {

using pipe_bench::kernel_pages::evaluate_flag_value;
using pipe_bench::kernel_pages::parse_tracepoint_format;

// events/kmem/mm_page_alloc/format as Linux 6.18 (x86_64) gives it: flags as shifts of 1UL.
const std::string kLinux618 = R"fmt(name: mm_page_alloc
ID: 653
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:unsigned long pfn;	offset:8;	size:8;	signed:0;
	field:unsigned int order;	offset:16;	size:4;	signed:0;
	field:unsigned long gfp_flags;	offset:24;	size:8;	signed:0;
	field:int migratetype;	offset:32;	size:4;	signed:1;

print fmt: "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s", REC->pfn != -1UL ? (((struct page *)vmemmap_base) + (REC->pfn)) : ((void *)0), REC->pfn != -1UL ? REC->pfn : 0, REC->order, REC->migratetype, (REC->gfp_flags) ? __print_flags(REC->gfp_flags, "|", {( unsigned long)(((((((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7))) | (( gfp_t)((((1UL))) << (20)))) | (( gfp_t)((((1UL))) << (1)))) | (( gfp_t)((((1UL))) << (3))) | (( gfp_t)0)) | (( gfp_t)((((1UL))) << (18))) | (( gfp_t)((((1UL))) << (19))) | (( gfp_t)((((1UL))) << (13)))) & ~(( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11))))) | (( gfp_t)((((1UL))) << (10)))), "GFP_TRANSHUGE"}, {( unsigned long)((((((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7))) | (( gfp_t)((((1UL))) << (20)))) | (( gfp_t)((((1UL))) << (1)))) | (( gfp_t)((((1UL))) << (3))) | (( gfp_t)0)) | (( gfp_t)((((1UL))) << (18))) | (( gfp_t)((((1UL))) << (19))) | (( gfp_t)((((1UL))) << (13)))) & ~(( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11))))), "GFP_TRANSHUGE_LIGHT"}, {( unsigned long)((((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7))) | (( gfp_t)((((1UL))) << (20)))) | (( gfp_t)((((1UL))) << (1)))) | (( gfp_t)((((1UL))) << (3))) | (( gfp_t)0)), "GFP_HIGHUSER_MOVABLE"}, {( unsigned long)(((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7))) | (( gfp_t)((((1UL))) << (20)))) | (( gfp_t)((((1UL))) << (1)))), "GFP_HIGHUSER"}, {( unsigned long)((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7))) | (( gfp_t)((((1UL))) << (20)))), "GFP_USER"}, {( unsigned long)(((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7)))) | (( gfp_t)((((1UL))) << (22)))), "GFP_KERNEL_ACCOUNT"}, {( unsigned long)((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6))) | (( gfp_t)((((1UL))) << (7)))), "GFP_KERNEL"}, {( unsigned long)((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))) | (( gfp_t)((((1UL))) << (6)))), "GFP_NOFS"}, {( unsigned long)((( gfp_t)((((1UL))) << (5)))|(( gfp_t)((((1UL))) << (11)))), "GFP_ATOMIC"}, {( unsigned long)((( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11))))), "GFP_NOIO"}, {( unsigned long)((( gfp_t)((((1UL))) << (11))) | (( gfp_t)((((1UL))) << (13)))), "GFP_NOWAIT"}, {( unsigned long)(( gfp_t)((((1UL))) << (0))), "GFP_DMA"}, {( unsigned long)(( gfp_t)((((1UL))) << (2))), "GFP_DMA32"}, {( unsigned long)(( gfp_t)(((((1UL))) << (10))|((((1UL))) << (11)))), "__GFP_RECLAIM"}, {( unsigned long)(( gfp_t)((((1UL))) << (0))), "__GFP_DMA"}, {( unsigned long)(( gfp_t)((((1UL))) << (1))), "__GFP_HIGHMEM"}, {( unsigned long)(( gfp_t)((((1UL))) << (2))), "__GFP_DMA32"}, {( unsigned long)(( gfp_t)((((1UL))) << (3))), "__GFP_MOVABLE"}, {( unsigned long)(( gfp_t)((((1UL))) << (4))), "__GFP_RECLAIMABLE"}, {( unsigned long)(( gfp_t)((((1UL))) << (5))), "__GFP_HIGH"}, {( unsigned long)(( gfp_t)((((1UL))) << (6))), "__GFP_IO"}, {( unsigned long)(( gfp_t)((((1UL))) << (7))), "__GFP_FS"}, {( unsigned long)(( gfp_t)((((1UL))) << (8))), "__GFP_ZERO"}, {( unsigned long)(( gfp_t)((((1UL))) << (10))), "__GFP_DIRECT_RECLAIM"}, {( unsigned long)(( gfp_t)((((1UL))) << (11))), "__GFP_KSWAPD_RECLAIM"}, {( unsigned long)(( gfp_t)((((1UL))) << (12))), "__GFP_WRITE"}, {( unsigned long)(( gfp_t)((((1UL))) << (13))), "__GFP_NOWARN"}, {( unsigned long)(( gfp_t)((((1UL))) << (14))), "__GFP_RETRY_MAYFAIL"}, {( unsigned long)(( gfp_t)((((1UL))) << (15))), "__GFP_NOFAIL"}, {( unsigned long)(( gfp_t)((((1UL))) << (16))), "__GFP_NORETRY"}, {( unsigned long)(( gfp_t)((((1UL))) << (17))), "__GFP_MEMALLOC"}, {( unsigned long)(( gfp_t)((((1UL))) << (18))), "__GFP_COMP"}, {( unsigned long)(( gfp_t)((((1UL))) << (19))), "__GFP_NOMEMALLOC"}, {( unsigned long)(( gfp_t)((((1UL))) << (20))), "__GFP_HARDWALL"}, {( unsigned long)(( gfp_t)((((1UL))) << (21))), "__GFP_THISNODE"}, {( unsigned long)(( gfp_t)((((1UL))) << (22))), "__GFP_ACCOUNT"}, {( unsigned long)(( gfp_t)((((1UL))) << (23))), "__GFP_ZEROTAGS"}, {( unsigned long)(( gfp_t)((((1UL))) << (24))), "__GFP_NO_OBJ_EXT"}, { 0, ((void *)0) } ) : "none"
)fmt";

// A format with another layout and other bit numbers: flags as hexadecimal constants with
// __force casts (the style of older kernels), __GFP_ACCOUNT at bit 20, __GFP_HIGHMEM at bit 1,
// __GFP_MOVABLE at bit 3.
const std::string kHexStyle = R"fmt(name: mm_page_alloc
ID: 412
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:struct page * page;	offset:8;	size:8;	signed:0;
	field:unsigned int order;	offset:16;	size:4;	signed:0;
	field:gfp_t gfp_flags;	offset:20;	size:4;	signed:0;
	field:int migratetype;	offset:24;	size:4;	signed:1;

print fmt: "page=%p pfn=%lu order=%d migratetype=%d gfp_flags=%s", REC->page, REC->page ? page_to_pfn(REC->page) : 0, REC->order, REC->migratetype, (REC->gfp_flags) ? __print_flags(REC->gfp_flags, "|", {(unsigned long)(((( gfp_t)(0x400000u|0x2000000u)) | (( gfp_t)0x40u) | (( gfp_t)0x80u) | (( gfp_t)0x100000u)) | (( gfp_t)0x02u)), "GFP_HIGHUSER"}, {(unsigned long)((__force gfp_t)0x02u), "__GFP_HIGHMEM"}, {(unsigned long)((__force gfp_t)0x08u), "__GFP_MOVABLE"}, {(unsigned long)((__force gfp_t)0x100000u), "__GFP_ACCOUNT"}, {(unsigned long)((__force gfp_t)0x80000u), "__GFP_HARDWALL"}, { 0, NULL }) : "none"
)fmt";

TEST(BenchTracefsFormat, RealFormatOfThisKernel) {
  const auto f = parse_tracepoint_format(kLinux618);
  ASSERT_TRUE(f.id.has_value());
  EXPECT_EQ(*f.id, 653u);
  ASSERT_TRUE(f.fields.contains("gfp_flags"));
  EXPECT_EQ(f.fields.at("gfp_flags"), "unsigned long gfp_flags");
  EXPECT_TRUE(f.fields.contains("order"));
  EXPECT_TRUE(f.fields.contains("common_pid"));
  EXPECT_EQ(f.flags.at("__GFP_HIGHMEM"), 1u << 1);
  EXPECT_EQ(f.flags.at("__GFP_MOVABLE"), 1u << 3);
  EXPECT_EQ(f.flags.at("__GFP_ACCOUNT"), 1u << 22);
  EXPECT_EQ(f.flags.at("__GFP_NO_OBJ_EXT"), 1u << 24);
  // Composite names evaluate too: GFP_HIGHUSER = reclaim (10, 11) | IO | FS | HARDWALL | HIGHMEM.
  EXPECT_EQ(f.flags.at("GFP_HIGHUSER"),
            (1u << 10) | (1u << 11) | (1u << 6) | (1u << 7) | (1u << 20) | (1u << 1));
  // ~ and & in GFP_TRANSHUGE_LIGHT: direct and kswapd reclaim are masked out.
  EXPECT_EQ(f.flags.at("GFP_TRANSHUGE_LIGHT") & ((1u << 10) | (1u << 11)), 0u);
}

TEST(BenchTracefsFormat, HexStyleWithOtherBits) {
  const auto f = parse_tracepoint_format(kHexStyle);
  ASSERT_TRUE(f.id.has_value());
  EXPECT_EQ(*f.id, 412u);
  EXPECT_EQ(f.fields.at("gfp_flags"), "gfp_t gfp_flags");
  EXPECT_EQ(f.fields.at("page"), "struct page * page");
  EXPECT_EQ(f.flags.at("__GFP_HIGHMEM"), 0x2u);
  EXPECT_EQ(f.flags.at("__GFP_MOVABLE"), 0x8u);
  EXPECT_EQ(f.flags.at("__GFP_ACCOUNT"), 0x100000u);
  EXPECT_EQ(f.flags.at("GFP_HIGHUSER"), 0x400000u | 0x2000000u | 0x40u | 0x80u | 0x100000u | 0x2u);
  EXPECT_FALSE(f.flags.contains("NULL"));
}

TEST(BenchTracefsFormat, FlagValueExpressions) {
  EXPECT_EQ(evaluate_flag_value("( unsigned long)(( gfp_t)((((1UL))) << (22)))"), 1u << 22);
  EXPECT_EQ(evaluate_flag_value("(unsigned long)((__force gfp_t)0x400000u)"), 0x400000u);
  EXPECT_EQ(evaluate_flag_value("(3 | 4) & ~1"), 6u);
  EXPECT_EQ(evaluate_flag_value("256 >> 4"), 16u);
  // Not constants: a field, a pointer cast, unbalanced parentheses, a shift out of range.
  EXPECT_FALSE(evaluate_flag_value("REC->gfp_flags").has_value());
  EXPECT_FALSE(evaluate_flag_value("((void *)0)").has_value());
  EXPECT_FALSE(evaluate_flag_value("((1) << 3").has_value());
  EXPECT_FALSE(evaluate_flag_value("1 << 64").has_value());
  EXPECT_FALSE(evaluate_flag_value("").has_value());
}

TEST(BenchTracefsFormat, TextWithoutTablesOrIdGivesNothing) {
  const auto f = parse_tracepoint_format("name: mm_page_free\nformat:\n\tno fields here\n");
  EXPECT_FALSE(f.id.has_value());
  EXPECT_TRUE(f.fields.empty());
  EXPECT_TRUE(f.flags.empty());
  EXPECT_FALSE(parse_tracepoint_format("ID: 12x\n").id.has_value());
}

}  // namespace
