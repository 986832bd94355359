// Closing the last end of one side wakes every task blocked on the other side: readers see EOF,
// writers see EPIPE (or the count they had written). A task that is never woken hangs the test;
// the watchdog fails it.
#include <poll.h>

#include <atomic>
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

class TortureCloseWakeup : public PipeTest {};

// Rounds of 1..8 readers parked in read() on an empty pipe; closing the last write end (after
// its clones) must wake all of them with EOF.
TEST_P(TortureCloseWakeup, LastWriterCloseWakesEveryBlockedReader) {
  Watchdog watchdog;
  for (std::size_t round = 0; round < scaled(120); ++round) {
    PipePair p = make(GetParam());
    const unsigned n = 1 + round % 8;
    std::atomic<unsigned> eof{0};
    std::vector<std::thread> readers;
    for (unsigned i = 0; i < n; ++i) {
      readers.emplace_back([&, rd = p.reader.clone()]() mutable {
        std::byte b{};
        const IoResult r = rd.read({&b, 1});
        EXPECT_TRUE(r.ok() && r.count == 0) << "expected EOF, got " << r.count;
        ++eof;
      });
    }
    Writer extra = p.writer.clone();
    wait_until([&] { return p.reader.stats().reads_blocked == n; });
    extra.close();  // not the last write end: nobody may leave
    p.writer.close();
    for (auto& t : readers) t.join();
    EXPECT_EQ(eof.load(), n);
    EXPECT_EQ(p.reader.poll(), POLLHUP);
  }
}

// Rounds of 1..8 writers parked in write() on a full pipe; closing the last read end must wake
// all of them with EPIPE (none of them had written anything).
TEST_P(TortureCloseWakeup, LastReaderCloseWakesEveryBlockedWriter) {
  Watchdog watchdog;
  const auto fill = pattern(16 * kPipeBuf);
  for (std::size_t round = 0; round < scaled(120); ++round) {
    PipePair p = make(GetParam());
    ASSERT_EQ(write_bytes(p.writer, fill).count, fill.size());  // 16 slots: full
    const unsigned n = 1 + round % 8;
    std::atomic<unsigned> epipe{0};
    std::vector<std::thread> writers;
    for (unsigned i = 0; i < n; ++i) {
      writers.emplace_back([&, i, wr = p.writer.clone()]() mutable {
        const IoResult r = write_bytes(wr, pattern(1 + i * 1000));
        EXPECT_EQ(r.error, err(EPIPE));
        EXPECT_EQ(r.count, 0u);
        ++epipe;
      });
    }
    wait_until([&] { return p.writer.stats().writes_blocked == n; });
    p.reader.close();
    for (auto& t : writers) t.join();
    EXPECT_EQ(epipe.load(), n);
    EXPECT_EQ(p.writer.poll(), POLLERR);
  }
}

// A 64 KiB write into a 4-slot pipe fills the 4 slots and waits; closing the reader makes it
// return the 16384 bytes it wrote (the kernel reports EPIPE only when nothing was written).
TEST_P(TortureCloseWakeup, ReaderCloseEndsAPartialWriteWithItsCount) {
  Watchdog watchdog;
  for (std::size_t round = 0; round < scaled(100); ++round) {
    PipePair p = make(GetParam());
    ASSERT_EQ(p.writer.set_pipe_size(4 * kPipeBuf).size, 4 * kPipeBuf);
    IoResult result;
    std::thread writer(
        [&, wr = p.writer.clone()]() mutable { result = write_bytes(wr, pattern(65536)); });
    wait_until([&] { return p.writer.stats().writes_blocked == 1; });
    EXPECT_EQ(p.reader.bytes_available(), 4 * kPipeBuf);
    p.reader.close();
    writer.join();
    EXPECT_TRUE(result.ok()) << result.error.message();
    EXPECT_EQ(result.count, 4 * kPipeBuf);
  }
}

// The close races with the blocked task entering its wait (no waiting for it to park): whichever
// comes first, the reader must return EOF and the writer EPIPE.
TEST_P(TortureCloseWakeup, CloseRacingWithTheWait) {
  Watchdog watchdog;
  const auto fill = pattern(16 * kPipeBuf);
  for (std::size_t round = 0; round < scaled(2000); ++round) {
    PipePair p = make(GetParam());
    if (round % 2 == 0) {
      std::thread reader([rd = p.reader.clone()]() mutable {
        std::byte b{};
        const IoResult r = rd.read({&b, 1});
        EXPECT_TRUE(r.ok() && r.count == 0);
      });
      p.writer.close();
      reader.join();
    } else {
      ASSERT_EQ(write_bytes(p.writer, fill).count, fill.size());
      std::thread writer([wr = p.writer.clone()]() mutable {
        const IoResult r = write_bytes(wr, pattern(10));
        EXPECT_EQ(r.error, err(EPIPE));
      });
      p.reader.close();
      writer.join();
    }
  }
}

PIPEPOOL_ALL_POLICIES(TortureCloseWakeup);

}  // namespace
}  // namespace pipepool::test
