// Sub-page writes merge into the last buffer, so capacity depends on the mix of sizes.
#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeMergeCapacity : public PipeTest {};

// Counts how many writes of `size` bytes fit before EAGAIN.
std::size_t fill_count(Writer& w, std::size_t size) {
  auto data = pattern(size);
  std::size_t n = 0;
  for (;;) {
    IoResult r = write_bytes(w, data);
    if (!r.ok()) {
      EXPECT_EQ(r.error, err(EAGAIN));
      return n;
    }
    EXPECT_EQ(r.count, size);  // <= PIPE_BUF: whole or nothing
    ++n;
  }
}

TEST_P(PipeMergeCapacity, HundredByteWritesPackFortyPerPage) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  // 40 x 100 = 4000 bytes fit in a page; the 41st starts a new slot. 16 slots.
  EXPECT_EQ(fill_count(p.writer, 100), 16u * 40u);
  EXPECT_EQ(p.reader.bytes_available(), 16u * 40u * 100u);
}

TEST_P(PipeMergeCapacity, FullPageWritesUseOneSlotEach) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  EXPECT_EQ(fill_count(p.writer, 4096), 16u);
}

TEST_P(PipeMergeCapacity, MixedSizesMergeOnlyTheLeadingRemainder) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(1000)).count, 1000u);  // slot 1: 1000
  // 5000 bytes: the leading 904 (5000 % 4096) merge into slot 1, then 4096 take slot 2.
  ASSERT_EQ(write_bytes(p.writer, pattern(5000)).count, 5000u);
  // 14 slots are left: 14 full pages fit, a 15th does not.
  EXPECT_EQ(fill_count(p.writer, 4096), 14u);
  // A 100-byte write still fits into slot 1? No: slot 1 holds 1904 bytes but is not the last.
  EXPECT_EQ(write_bytes(p.writer, pattern(100)).error, err(EAGAIN));
  EXPECT_EQ(p.reader.bytes_available(), 6000u + 14u * 4096u);
}

TEST_P(PipeMergeCapacity, NoMergeAfterReaderEmptiedThePipe) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(10)).count, 10u);
  ASSERT_EQ(read_n(p.reader, 10).size(), 10u);
  // The pipe is empty now: the next small write takes a fresh slot, 16 of them still free.
  EXPECT_EQ(fill_count(p.writer, 4096), 16u);
}

TEST_P(PipeMergeCapacity, MergedBytesReadBackInOrder) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  std::vector<std::byte> all;
  for (unsigned i = 0; i < 50; ++i) {
    auto d = pattern(7 + i, i);
    ASSERT_EQ(write_bytes(p.writer, d).count, d.size());
    all.insert(all.end(), d.begin(), d.end());
  }
  auto got = read_n(p.reader, 1 << 16);
  EXPECT_EQ(got, all);
}

PIPEPOOL_ALL_POLICIES(PipeMergeCapacity);

}  // namespace
}  // namespace pipepool::test
