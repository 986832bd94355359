// PIPE_BUF (4096) atomicity: a write of at most 4096 bytes lands whole or not at all.
#include <thread>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeAtomicWrite : public PipeTest {};

TEST_P(PipeAtomicWrite, NonBlockingSmallWriteIntoNearlyFullPipeIsEagainNotPartial) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  for (int i = 0; i < 15; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  ASSERT_EQ(write_bytes(p.writer, pattern(4000)).count, 4000u);      // last slot, 96 bytes of room
  EXPECT_EQ(write_bytes(p.writer, pattern(97)).error, err(EAGAIN));  // would need a new slot
  EXPECT_EQ(write_bytes(p.writer, pattern(96)).count, 96u);          // merges exactly
  EXPECT_EQ(p.reader.bytes_available(), 16u * 4096u);
}

TEST_P(PipeAtomicWrite, NonBlockingLargeWriteIsPartial) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  for (int i = 0; i < 14; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  // Two slots left: a 3-page write writes two pages and reports it.
  IoResult r = write_bytes(p.writer, pattern(3 * 4096));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.count, 2u * 4096u);
}

TEST_P(PipeAtomicWrite, ConcurrentPipeBufWritesNeverInterleave) {
  auto p = make(GetParam());
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 300;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      // Each message is 4096 bytes of one value; sizes 4096 exactly so merges never split them.
      std::vector<std::byte> msg(4096, static_cast<std::byte>(w + 1));
      for (int i = 0; i < kPerWriter; ++i) ASSERT_EQ(write_bytes(wr, msg).count, 4096u);
    });
  }
  p.writer.close();
  std::vector<std::byte> all;
  std::vector<std::byte> buf(8192);
  for (;;) {
    IoResult r = p.reader.read(buf);
    ASSERT_TRUE(r.ok());
    if (r.count == 0) break;
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<long>(r.count));
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(all.size(), std::size_t{kWriters} * kPerWriter * 4096);
  for (std::size_t off = 0; off < all.size(); off += 4096) {
    for (std::size_t i = 1; i < 4096; ++i) ASSERT_EQ(all[off + i], all[off]) << "torn at " << off;
  }
}

PIPEPOOL_ALL_POLICIES(PipeAtomicWrite);

}  // namespace
}  // namespace pipepool::test
