// The soak's record check (tools/shared_soak/record.hpp) catches what a torn or spliced write
// would leave: a record cut short is incomplete, a changed byte fails the checksum, and a stream
// that starts mid-record fails the header.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>

#include "shared_soak/record.hpp"

namespace {

using namespace pipepool::shared_soak;

TEST(SharedSoakRecord, WholeRecordPasses) {
  std::array<std::byte, kRecordMax> buf{};
  for (std::size_t len : {kRecordHeader, std::size_t{25}, std::size_t{1000}, kRecordMax}) {
    make_record(buf.data(), 7, 42, len);
    RecordHeader h;
    ASSERT_EQ(check_record(buf.data(), len, h), RecordCheck::ok) << len;
    EXPECT_EQ(h.writer, 7u);
    EXPECT_EQ(h.seq, 42u);
    EXPECT_EQ(h.len, len);
  }
}

TEST(SharedSoakRecord, CutShortNeedsMore) {
  std::array<std::byte, kRecordMax> buf{};
  make_record(buf.data(), 1, 2, 3000);
  RecordHeader h;
  EXPECT_EQ(check_record(buf.data(), 10, h), RecordCheck::need_more);
  EXPECT_EQ(check_record(buf.data(), 2999, h), RecordCheck::need_more);
}

TEST(SharedSoakRecord, EveryChangedByteFailsTheSum) {
  std::array<std::byte, 200> buf{};
  make_record(buf.data(), 3, 9, buf.size());
  for (std::size_t i = 0; i < buf.size(); ++i) {
    if (i < 4 || (i >= 16 && i < 20)) continue;  // magic and length: the header check's
    buf[i] ^= std::byte{0x10};
    RecordHeader h;
    EXPECT_EQ(check_record(buf.data(), buf.size(), h), RecordCheck::bad_sum) << i;
    buf[i] ^= std::byte{0x10};
  }
}

TEST(SharedSoakRecord, MidRecordStartFailsTheHeader) {
  std::array<std::byte, 600> buf{};
  make_record(buf.data(), 3, 9, buf.size());
  RecordHeader h;
  EXPECT_EQ(check_record(buf.data() + 100, buf.size() - 100, h), RecordCheck::bad_header);
}

}  // namespace
