// IovCursor: walks an iovec array as one stream; a copy stops at the first non-empty segment
// based in the first page of the address space, reports the short count, and stays there.
#include "internal/iov_cursor.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

namespace pipepool::internal {
namespace {

void* low(std::uintptr_t addr) {
  return reinterpret_cast<void*>(addr);
}

TEST(IovCursor, CopiesAcrossSegmentsInOrder) {
  std::string a = "abc", b = "defgh";
  const std::array<iovec, 3> iov{{{a.data(), 3}, {nullptr, 0}, {b.data(), 5}}};
  IovCursor c(iov);
  EXPECT_EQ(c.remaining(), 8u);
  char out[8] = {};
  EXPECT_EQ(c.copy_out(out, 4), 4u);
  EXPECT_EQ(c.copy_out(out + 4, 100), 4u);
  EXPECT_EQ(std::string(out, 8), "abcdefgh");
  EXPECT_EQ(c.remaining(), 0u);
  EXPECT_EQ(c.copy_out(out, 1), 0u);
}

TEST(IovCursor, CopyOutStopsAtANullSegmentAndStaysThere) {
  std::string a = "abcd", b = "xyz";
  const std::array<iovec, 3> iov{{{a.data(), 4}, {nullptr, 5}, {b.data(), 3}}};
  IovCursor c(iov);
  char out[16] = {};
  EXPECT_EQ(c.copy_out(out, 16), 4u);  // short: the NULL segment faults
  EXPECT_EQ(std::string(out, 4), "abcd");
  EXPECT_EQ(c.remaining(), 8u);
  EXPECT_EQ(c.copy_out(out, 16), 0u);  // sticky
  EXPECT_EQ(c.remaining(), 8u);
}

TEST(IovCursor, CopyThatEndsBeforeTheFaultIsWhole) {
  std::string a = "abcd";
  const std::array<iovec, 2> iov{{{a.data(), 4}, {nullptr, 5}}};
  IovCursor c(iov);
  char out[4] = {};
  EXPECT_EQ(c.copy_out(out, 4), 4u);  // the fault is only seen by the next copy
  EXPECT_EQ(c.remaining(), 5u);
  EXPECT_EQ(c.copy_out(out, 4), 0u);
}

TEST(IovCursor, CopyInStoresTheBytesBeforeTheFault) {
  char a[3] = {}, b[4] = {'-', '-', '-', '-'};
  const std::array<iovec, 3> iov{{{a, 3}, {low(8), 2}, {b, 4}}};
  IovCursor c(iov);
  EXPECT_EQ(c.copy_in("0123456789", 9), 3u);
  EXPECT_EQ(std::string(a, 3), "012");
  EXPECT_EQ(std::string(b, 4), "----");
  EXPECT_EQ(c.remaining(), 6u);
}

TEST(IovCursor, EveryFirstPageAddressFaultsAndTheNextPageDoesNot) {
  EXPECT_TRUE(faulting_base(nullptr));
  EXPECT_TRUE(faulting_base(low(1)));
  EXPECT_TRUE(faulting_base(low(kUnmappedLimit - 1)));
  EXPECT_FALSE(faulting_base(low(kUnmappedLimit)));
  char ok = 0;
  EXPECT_FALSE(faulting_base(&ok));
  for (std::uintptr_t addr : {std::uintptr_t{0}, std::uintptr_t{1}, kUnmappedLimit - 1}) {
    const iovec v{low(addr), 10};
    IovCursor c({&v, 1});
    char out[10];
    EXPECT_EQ(c.copy_out(out, 10), 0u) << addr;
    EXPECT_EQ(c.remaining(), 10u) << addr;
  }
}

TEST(IovCursor, ZeroLengthSegmentsNeverFault) {
  std::string a = "ab";
  const std::array<iovec, 4> iov{{{nullptr, 0}, {a.data(), 2}, {low(8), 0}, {nullptr, 0}}};
  IovCursor c(iov);
  char out[2] = {};
  EXPECT_EQ(c.copy_out(out, 10), 2u);
  EXPECT_EQ(c.remaining(), 0u);
}

}  // namespace
}  // namespace pipepool::internal
