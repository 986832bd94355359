// EPIPE: writing with no reader fails; closing the last reader wakes blocked writers, which
// report what they wrote so far, or EPIPE when nothing.
#include <future>
#include <thread>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeEpipe : public PipeTest {};

TEST_P(PipeEpipe, WriteWithNoReaderIsEpipe) {
  auto p = make(GetParam());
  p.reader.close();
  EXPECT_EQ(write_bytes(p.writer, pattern(1)).error, err(EPIPE));
  EXPECT_EQ(write_bytes(p.writer, pattern(100000)).error, err(EPIPE));
}

TEST_P(PipeEpipe, LastReaderCloseWakesBlockedWriterWithPartialCount) {
  auto p = make(GetParam());
  // 20 pages into a 16-slot pipe: 16 land, then the writer sleeps.
  auto fut = std::async(std::launch::async, [w = p.writer.clone()]() mutable {
    return write_bytes(w, pattern(20 * 4096));
  });
  while (p.writer.stats().writes_blocked < 1) std::this_thread::yield();
  p.reader.close();
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  IoResult r = fut.get();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.count, 16u * 4096u);
}

TEST_P(PipeEpipe, LastReaderCloseWakesBlockedWriterWithEpipeWhenNothingWritten) {
  auto p = make(GetParam());
  for (int i = 0; i < 16; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  auto fut = std::async(std::launch::async,
                        [w = p.writer.clone()]() mutable { return write_bytes(w, pattern(4096)); });
  while (p.writer.stats().writes_blocked < 1) std::this_thread::yield();
  p.reader.close();
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fut.get().error, err(EPIPE));
}

PIPEPOOL_ALL_POLICIES(PipeEpipe);

}  // namespace
}  // namespace pipepool::test
