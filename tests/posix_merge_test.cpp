// Merging: the leading len % 4096 bytes of a write go into the last page when it has room, so a
// full ring still takes small writes; the rest needs free slots.
#include <string>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixMergeTest : public PipeOpsTest {
 protected:
  // 15 full pages and a 16th holding `tail` bytes: every slot is in use.
  void fill_all_slots(int w, std::size_t tail) {
    std::vector<char> page(4096, 'm');
    for (int i = 0; i < 15; ++i) ASSERT_EQ(ops().write(w, page.data(), page.size()), 4096);
    ASSERT_EQ(ops().write(w, page.data(), tail), static_cast<ssize_t>(tail));
  }
  int available(int r) {
    int n = -1;
    EXPECT_EQ(ops().ioctl(r, FIONREAD, &n), 0);
    return n;
  }
};

TEST_P(PosixMergeTest, SmallWriteMergesIntoALastPageOfAFullRing) {
  OpsPipe p(ops(), O_NONBLOCK);
  fill_all_slots(p.w(), 10);
  pollfd pfd{p.w(), POLLOUT, 0};
  EXPECT_EQ(ops().poll(&pfd, 1, 0), 0);                 // full by slots...
  EXPECT_EQ(ops().write(p.w(), "0123456789", 10), 10);  // ...yet the last page takes 10 more
  EXPECT_EQ(available(p.r()), 15 * 4096 + 20);
}

TEST_P(PosixMergeTest, WriteThatDoesNotFitTheLastPageIsEagainOnAFullRing) {
  OpsPipe p(ops(), O_NONBLOCK);
  fill_all_slots(p.w(), 4000);
  std::vector<char> buf(200, 'x');
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), buf.data(), 200));
  EXPECT_EQ(ops().write(p.w(), buf.data(), 96), 96);
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), buf.data(), 1));
}

TEST_P(PosixMergeTest, OnlyTheSubPageRemainderMergesThenTheWriteIsPartial) {
  OpsPipe p(ops(), O_NONBLOCK);
  fill_all_slots(p.w(), 10);
  std::vector<char> buf(4096 + 30, 'y');
  // 30 bytes merge; the whole page after them needs a slot there is not.
  EXPECT_EQ(ops().write(p.w(), buf.data(), buf.size()), 30);
  EXPECT_EQ(available(p.r()), 15 * 4096 + 40);
}

TEST_P(PosixMergeTest, PacketWritesMergeIntoAStreamPage) {
  // Only the last buffer's flag decides: a page written in stream mode takes packet-mode writes
  // too, and stays a stream page.
  OpsPipe p(ops(), O_NONBLOCK);
  ASSERT_EQ(ops().write(p.w(), "abc", 3), 3);
  ASSERT_EQ(ops().fcntl(p.w(), F_SETFL, O_NONBLOCK | O_DIRECT), 0);
  ASSERT_EQ(ops().write(p.w(), "def", 3), 3);
  ASSERT_EQ(ops().write(p.w(), "ghi", 3), 3);
  char buf[16] = {};
  EXPECT_EQ(ops().read(p.r(), buf, 2), 2);
  EXPECT_EQ(ops().read(p.r(), buf, sizeof buf), 7);
  EXPECT_EQ(std::string(buf, 7), "cdefghi");
}

TEST_P(PosixMergeTest, PacketPagesTakeNoMerge) {
  OpsPipe p(ops(), O_NONBLOCK);
  fill_all_slots(p.w(), 10);
  char page[4096];
  ASSERT_EQ(ops().read(p.r(), page, sizeof page), 4096);  // one free slot
  ASSERT_EQ(ops().fcntl(p.w(), F_SETFL, O_NONBLOCK | O_DIRECT), 0);
  // Fills the stream page (10 + 4086), then a packet page takes the free slot.
  std::vector<char> buf(4086 + 5, 'z');
  ASSERT_EQ(ops().write(p.w(), buf.data(), 4086), 4086);
  ASSERT_EQ(ops().write(p.w(), buf.data(), 5), 5);
  // The ring is full and the last page is a packet: nothing merges into it.
  EXPECT_ERRNO(EAGAIN, ops().write(p.w(), "x", 1));
}

PIPE_OPS_INSTANTIATE(PosixMergeTest);

}  // namespace
}  // namespace pipepool::testing
