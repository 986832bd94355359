// Packet mode (pipe2 O_DIRECT): each write of up to a page is one packet, a read takes at most
// one packet and drops what did not fit.
#include <numeric>
#include <string>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixPacketTest : public PipeOpsTest {};

TEST_P(PosixPacketTest, EachWriteIsOnePacket) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "one", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "two!", 4), 4);
  char buf[64] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 3);
  EXPECT_EQ(std::string(buf, 3), "one");
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "two!");
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
}

TEST_P(PosixPacketTest, ShortReadDropsTheRestOfThePacket) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "abcdef", 6), 6);
  ASSERT_EQ(ops().write(p.w(), "gh", 2), 2);
  char buf[8] = {};
  EXPECT_EQ(ops().read(p.r(), buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "ab");
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 2);  // "cdef" is gone
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 2);
  EXPECT_EQ(std::string(buf, 2), "gh");
}

TEST_P(PosixPacketTest, WritesLargerThanAPageSplitIntoPagePackets) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  std::vector<unsigned char> out(5000);
  std::iota(out.begin(), out.end(), 0);
  ASSERT_EQ(ops().write(p.w(), out.data(), out.size()), 5000);
  int n = -1;
  EXPECT_EQ(ops().ioctl(p.r(), FIONREAD, &n), 0);
  EXPECT_EQ(n, 5000);
  std::vector<unsigned char> in(8000);
  EXPECT_EQ(ops().read(p.r(), in.data(), 10), 10);  // drops the other 4086 of the first page
  EXPECT_EQ(ops().read(p.r(), in.data(), in.size()), 904);
  EXPECT_TRUE(std::equal(in.begin(), in.begin() + 904, out.begin() + 4096));
}

TEST_P(PosixPacketTest, ReadvTakesOnePacketAcrossSegments) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "hello", 5), 5);
  ASSERT_EQ(ops().write(p.w(), "world", 5), 5);
  char a[2] = {}, b[20] = {};
  const iovec v[] = {{a, 2}, {b, 20}};
  EXPECT_EQ(ops().readv(p.r(), v, 2), 5);
  EXPECT_EQ(std::string(a, 2), "he");
  EXPECT_EQ(std::string(b, 3), "llo");
}

TEST_P(PosixPacketTest, WritevIsOnePacket) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  const iovec v[] = {{const_cast<char*>("ab"), 2}, {const_cast<char*>("cde"), 3}};
  ASSERT_EQ(ops().writev(p.w(), v, 2), 5);
  ASSERT_EQ(ops().write(p.w(), "f", 1), 1);
  char buf[16] = {};
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "abcde");
}

TEST_P(PosixPacketTest, ZeroLengthWriteMakesNoPacket) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  EXPECT_EQ(ops().write(p.w(), "", 0), 0);
  char buf[4];
  EXPECT_ERRNO(EAGAIN, ops().read(p.r(), buf, sizeof buf));
}

TEST_P(PosixPacketTest, EveryPacketTakesASlot) {
  OpsPipe p(ops(), O_DIRECT | O_NONBLOCK);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(ops().write(p.w(), "x", 1), 1) << i;
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), "x", 1));
}

PIPE_OPS_INSTANTIATE(PosixPacketTest);

}  // namespace
}  // namespace pipepool::testing
