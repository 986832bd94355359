// Blocking vmsplice / splice / tee, written once against PipeOps and run on kernel and pipepool
// pipes: each call waits for what it needs and is released by the other side (data, room, or the
// last writer closing), and O_NONBLOCK on the descriptor does not stop vmsplice from waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "pipe_ops.hpp"

namespace pipepool::testing {
namespace {

class PosixSpliceBlocking : public PipeOpsTest {};

TEST_P(PosixSpliceBlocking, SpliceWaitsForData) {
  Watchdog dog;
  OpsPipe a(ops()), b(ops());
  std::thread writer([&] { EXPECT_EQ(ops().write(a.w(), "hello", 5), 5); });
  EXPECT_EQ(ops().splice(a.r(), nullptr, b.w(), nullptr, 100, 0), 5);
  writer.join();
  char buf[16] = {};
  EXPECT_EQ(ops().read(b.r(), buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST_P(PosixSpliceBlocking, TeeWaitsForData) {
  Watchdog dog;
  OpsPipe a(ops()), b(ops());
  std::thread writer([&] { EXPECT_EQ(ops().write(a.w(), "abc", 3), 3); });
  EXPECT_EQ(ops().tee(a.r(), b.w(), 100, 0), 3);
  writer.join();
  char buf[8] = {};
  EXPECT_EQ(ops().read(a.r(), buf, sizeof buf), 3);
  EXPECT_EQ(ops().read(b.r(), buf, sizeof buf), 3);
}

TEST_P(PosixSpliceBlocking, SpliceReturnsZeroWhenTheLastWriterCloses) {
  Watchdog dog;
  OpsPipe a(ops()), b(ops());
  std::thread closer([&] { a.close_write(); });
  EXPECT_EQ(ops().splice(a.r(), nullptr, b.w(), nullptr, 100, 0), 0);
  closer.join();
}

// A full pipe: vmsplice waits even though the write end is O_NONBLOCK, until a reader makes room.
TEST_P(PosixSpliceBlocking, VmspliceWaitsForRoomDespiteONonblock) {
  Watchdog dog;
  OpsPipe a(ops());
  ASSERT_EQ(ops().fcntl(a.w(), F_SETFL, O_NONBLOCK), 0);
  std::vector<char> fill(65536, 'f');
  ASSERT_EQ(ops().write(a.w(), fill.data(), fill.size()), 65536);
  std::vector<char> mem(100, 'm');
  const iovec v{mem.data(), mem.size()};
  EXPECT_ERRNO(EAGAIN, ops().vmsplice(a.w(), &v, 1, SPLICE_F_NONBLOCK));
  std::thread reader([&] {
    std::vector<char> buf(65536);
    EXPECT_EQ(ops().read(a.r(), buf.data(), buf.size()), 65536);
  });
  EXPECT_EQ(ops().vmsplice(a.w(), &v, 1, 0), 100);
  reader.join();
  char buf[200] = {};
  EXPECT_EQ(ops().read(a.r(), buf, sizeof buf), 100);
  EXPECT_EQ(std::string(buf, 100), std::string(100, 'm'));
}

TEST_P(PosixSpliceBlocking, SpliceWaitsForRoomInTheOutput) {
  Watchdog dog;
  OpsPipe a(ops()), b(ops());
  std::vector<char> fill(65536, 'f');
  ASSERT_EQ(ops().write(b.w(), fill.data(), fill.size()), 65536);
  ASSERT_EQ(ops().write(a.w(), "xy", 2), 2);
  std::thread reader([&] {
    std::vector<char> buf(65536);
    EXPECT_EQ(ops().read(b.r(), buf.data(), buf.size()), 65536);
  });
  EXPECT_EQ(ops().splice(a.r(), nullptr, b.w(), nullptr, 100, 0), 2);
  reader.join();
}

PIPE_OPS_INSTANTIATE(PosixSpliceBlocking);

}  // namespace
}  // namespace pipepool::testing
