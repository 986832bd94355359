// F_SETPIPE_SZ rules: rounding, EINVAL, EPERM above pipe-max-size, EBUSY below occupancy,
// contents kept in order.
#include <future>
#include <thread>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeResize : public PipeTest {};

TEST_P(PipeResize, DefaultIsSixteenPages) {
  auto p = make(GetParam());
  EXPECT_EQ(p.writer.pipe_size(), 65536u);
  EXPECT_EQ(p.reader.pipe_size(), 65536u);
}

TEST_P(PipeResize, RoundsUpToAPowerOfTwoOfPages) {
  auto p = make(GetParam());
  EXPECT_EQ(p.writer.set_pipe_size(0).size, 4096u);
  EXPECT_EQ(p.writer.set_pipe_size(1).size, 4096u);
  EXPECT_EQ(p.writer.set_pipe_size(4097).size, 8192u);
  EXPECT_EQ(p.reader.set_pipe_size(5 * 4096).size, 32768u);
  EXPECT_EQ(p.reader.set_pipe_size(1 << 20).size, 1u << 20);
  EXPECT_EQ(p.reader.pipe_size(), 1u << 20);
}

TEST_P(PipeResize, TooLargeIsEinvalBeyondMaxIsEperm) {
  auto p = make(GetParam());
  EXPECT_EQ(p.writer.set_pipe_size((std::size_t{1} << 31) + 1).error, err(EINVAL));
  EXPECT_EQ(p.writer.set_pipe_size((1 << 20) + 1).error, err(EPERM));
  EXPECT_EQ(p.writer.pipe_size(), 65536u);
}

TEST_P(PipeResize, ShrinkBelowOccupancyIsEbusy) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  EXPECT_EQ(p.writer.set_pipe_size(8192).error, err(EBUSY));
  EXPECT_EQ(p.writer.set_pipe_size(16384).size, 16384u);  // 4 slots >= 3 used
}

TEST_P(PipeResize, ContentsKeptInOrderAcrossResizes) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  std::vector<std::byte> all;
  for (unsigned i = 0; i < 10; ++i) {
    auto d = pattern(3000, i);
    ASSERT_EQ(write_bytes(p.writer, d).count, d.size());
    all.insert(all.end(), d.begin(), d.end());
  }
  // Move the tail off slot 0 so the copy must unwrap the ring.
  auto head = read_n(p.reader, 5000);
  ASSERT_EQ(p.writer.set_pipe_size(1 << 20).size, 1u << 20);
  for (unsigned i = 10; i < 20; ++i) {
    auto d = pattern(3000, i);
    ASSERT_EQ(write_bytes(p.writer, d).count, d.size());
    all.insert(all.end(), d.begin(), d.end());
  }
  auto mid = read_n(p.reader, 20000);
  ASSERT_EQ(p.writer.set_pipe_size(65536).size, 65536u);  // 12 slots in use
  std::vector<std::byte> got = head;
  got.insert(got.end(), mid.begin(), mid.end());
  for (;;) {
    auto more = std::vector<std::byte>(4096);
    IoResult r = p.reader.read(more);
    if (!r.ok()) break;
    got.insert(got.end(), more.begin(), more.begin() + static_cast<long>(r.count));
  }
  EXPECT_EQ(got, all);
}

TEST_P(PipeResize, GrowingWakesABlockedWriter) {
  auto p = make(GetParam());
  for (int i = 0; i < 16; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  auto fut = std::async(std::launch::async,
                        [w = p.writer.clone()]() mutable { return write_bytes(w, pattern(4096)); });
  while (p.writer.stats().writes_blocked < 1) std::this_thread::yield();
  ASSERT_EQ(p.writer.set_pipe_size(1 << 17).size, 1u << 17);
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fut.get().count, 4096u);
  EXPECT_EQ(p.reader.bytes_available(), 17u * 4096u);
}

PIPEPOOL_ALL_POLICIES(PipeResize);

}  // namespace
}  // namespace pipepool::test
