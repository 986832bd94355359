// Packet mode (O_DIRECT): no merging; one read returns at most one packet and drops the rest.
#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipePacket : public PipeTest {};

TEST_P(PipePacket, EachWriteIsOnePacket) {
  auto p = make(GetParam(), /*nonblocking=*/true, /*packet=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 1)).count, 10u);
  ASSERT_EQ(write_bytes(p.writer, pattern(20, 2)).count, 20u);
  EXPECT_EQ(read_n(p.reader, 100), pattern(10, 1));
  EXPECT_EQ(read_n(p.reader, 100), pattern(20, 2));
}

TEST_P(PipePacket, ShortReadDropsTheRestOfThePacket) {
  auto p = make(GetParam(), /*nonblocking=*/true, /*packet=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(100, 1)).count, 100u);
  ASSERT_EQ(write_bytes(p.writer, pattern(50, 2)).count, 50u);
  auto first = read_n(p.reader, 30);
  auto whole = pattern(100, 1);
  EXPECT_EQ(first, std::vector<std::byte>(whole.begin(), whole.begin() + 30));
  EXPECT_EQ(read_n(p.reader, 100), pattern(50, 2));
  std::vector<std::byte> buf(10);
  EXPECT_EQ(p.reader.read(buf).error, err(EAGAIN));
}

TEST_P(PipePacket, SmallPacketsDoNotMergeSoEachTakesASlot) {
  auto p = make(GetParam(), /*nonblocking=*/true, /*packet=*/true);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(1)).count, 1u);
  EXPECT_EQ(write_bytes(p.writer, pattern(1)).error, err(EAGAIN));
}

TEST_P(PipePacket, LargeWriteSplitsIntoPagePackets) {
  auto p = make(GetParam(), /*nonblocking=*/true, /*packet=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(5000)).count, 5000u);
  auto whole = pattern(5000);
  EXPECT_EQ(read_n(p.reader, 8192), std::vector<std::byte>(whole.begin(), whole.begin() + 4096));
  EXPECT_EQ(read_n(p.reader, 8192), std::vector<std::byte>(whole.begin() + 4096, whole.end()));
}

TEST_P(PipePacket, MergingDependsOnTheLastBufferNotOnTheWritersMode) {
  auto p = make(GetParam(), /*nonblocking=*/true, /*packet=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 1)).count, 10u);  // packet 1
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 2)).count, 10u);  // packet 2: no merge into 1
  p.writer.set_packet(false);
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 3)).count, 10u);  // last is a packet: new slot
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 4)).count, 10u);  // merges into slot 3
  p.writer.set_packet(true);
  // As in the kernel, a packet-mode write still merges into a mergeable last buffer.
  ASSERT_EQ(write_bytes(p.writer, pattern(10, 5)).count, 10u);
  EXPECT_EQ(read_n(p.reader, 100), pattern(10, 1));  // one packet per read
  EXPECT_EQ(read_n(p.reader, 5).size(), 5u);         // packet 2: 5 read, 5 dropped
  std::vector<std::byte> rest;
  for (unsigned seed : {3u, 4u, 5u}) {
    auto d = pattern(10, seed);
    rest.insert(rest.end(), d.begin(), d.end());
  }
  EXPECT_EQ(read_n(p.reader, 100), rest);
}

PIPEPOOL_ALL_POLICIES(PipePacket);

}  // namespace
}  // namespace pipepool::test
