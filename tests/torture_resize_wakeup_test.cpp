// Growing a full pipe (F_SETPIPE_SZ) wakes the writers waiting for room, and the wake-up passes
// from writer to writer while room is left: with no reader at all, every blocked write that now
// fits must complete. A lost wake-up hangs the test; the watchdog fails it.
#include <atomic>
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

class TortureResizeWakeup : public PipeTest {};

// A 1-slot pipe holding one page and 1..6 writers of one page each parked on it; growing the pipe
// to 8 slots lets every one of them finish, though nobody reads.
TEST_P(TortureResizeWakeup, GrowWakesEveryWriterThatNowFits) {
  Watchdog watchdog;
  for (std::size_t round = 0; round < scaled(150); ++round) {
    PipePair p = make(GetParam());
    ASSERT_EQ(p.writer.set_pipe_size(kPipeBuf).size, kPipeBuf);
    ASSERT_EQ(write_bytes(p.writer, pattern(kPipeBuf, 99)).count, kPipeBuf);
    const unsigned n = 1 + round % 6;
    std::atomic<unsigned> done{0};
    std::vector<std::thread> writers;
    for (unsigned i = 0; i < n; ++i) {
      writers.emplace_back([&, i, wr = p.writer.clone()]() mutable {
        EXPECT_EQ(write_bytes(wr, pattern(kPipeBuf, i)).count, kPipeBuf);
        ++done;
      });
    }
    wait_until([&] { return p.writer.stats().writes_blocked == n; });
    EXPECT_EQ(p.writer.set_pipe_size(2 * kPipeBuf - 1).size, 2 * kPipeBuf);
    EXPECT_EQ(p.writer.set_pipe_size(8 * kPipeBuf).size, 8 * kPipeBuf);
    for (auto& t : writers) t.join();
    EXPECT_EQ(done.load(), n);
    EXPECT_EQ(p.reader.bytes_available(), (n + 1) * kPipeBuf);
    // The first page is the one written before the resize; the others arrive whole.
    EXPECT_EQ(read_n(p.reader, kPipeBuf), pattern(kPipeBuf, 99));
    for (unsigned i = 0; i < n; ++i) EXPECT_EQ(read_n(p.reader, kPipeBuf).size(), kPipeBuf);
  }
}

// A 64 KiB write parked after filling a 1-slot pipe finishes when the pipe grows to 16 slots; a
// shrink below the occupancy meanwhile is EBUSY and wakes nothing that could go on.
TEST_P(TortureResizeWakeup, GrowLetsAParkedBigWriteFinish) {
  Watchdog watchdog;
  const auto msg = pattern(65536, 5);
  for (std::size_t round = 0; round < scaled(150); ++round) {
    PipePair p = make(GetParam());
    ASSERT_EQ(p.writer.set_pipe_size(kPipeBuf).size, kPipeBuf);
    IoResult result;
    std::thread writer([&, wr = p.writer.clone()]() mutable { result = write_bytes(wr, msg); });
    wait_until([&] { return p.writer.stats().writes_blocked == 1; });
    EXPECT_EQ(p.reader.bytes_available(), kPipeBuf);
    EXPECT_EQ(p.writer.set_pipe_size(4 * kPipeBuf).size, 4 * kPipeBuf);
    wait_until([&] { return p.reader.bytes_available() == 4 * kPipeBuf; });
    EXPECT_EQ(p.reader.set_pipe_size(kPipeBuf).error, err(EBUSY));
    EXPECT_EQ(p.reader.set_pipe_size(16 * kPipeBuf).size, 16 * kPipeBuf);
    writer.join();
    EXPECT_EQ(result.count, msg.size());
    EXPECT_EQ(read_n(p.reader, msg.size()), msg);
  }
}

PIPEPOOL_ALL_POLICIES(TortureResizeWakeup);

}  // namespace
}  // namespace pipepool::test
