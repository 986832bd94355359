// EOF: an empty pipe with no writers reads 0; closing the last writer wakes blocked readers.
#include <future>
#include <thread>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeEof : public PipeTest {};

TEST_P(PipeEof, ReadAfterLastWriterClosedDrainsThenReturnsZero) {
  auto p = make(GetParam());
  ASSERT_EQ(write_bytes(p.writer, pattern(10)).count, 10u);
  p.writer.close();
  EXPECT_EQ(read_n(p.reader, 100).size(), 10u);
  std::vector<std::byte> buf(100);
  IoResult r = p.reader.read(buf);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.count, 0u);
}

TEST_P(PipeEof, NonBlockingEmptyWithWriterIsEagainWithoutIsEof) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  std::vector<std::byte> buf(10);
  EXPECT_EQ(p.reader.read(buf).error, err(EAGAIN));
  p.writer.close();
  IoResult r = p.reader.read(buf);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.count, 0u);
}

TEST_P(PipeEof, ClosingAClonedWriterIsNotEof) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  Writer second = p.writer.clone();
  p.writer.close();
  std::vector<std::byte> buf(10);
  EXPECT_EQ(p.reader.read(buf).error, err(EAGAIN));  // a writer is still open
  second.close();
  EXPECT_EQ(p.reader.read(buf).count, 0u);
}

TEST_P(PipeEof, LastWriterCloseWakesEveryBlockedReader) {
  auto p = make(GetParam());
  std::vector<std::future<IoResult>> blocked;
  for (int i = 0; i < 3; ++i) {
    blocked.push_back(std::async(std::launch::async, [r = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(10);
      return r.read(buf);
    }));
  }
  // Wait until all three sleep in read, then close the only writer.
  while (p.reader.stats().reads_blocked < 3) std::this_thread::yield();
  p.writer.close();
  for (auto& f : blocked) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    IoResult r = f.get();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.count, 0u);
  }
}

TEST_P(PipeEof, BlockedReaderGetsDataWrittenLater) {
  auto p = make(GetParam());
  auto fut = std::async(std::launch::async, [r = p.reader.clone()]() mutable {
    std::vector<std::byte> buf(100);
    return r.read(buf);
  });
  while (p.reader.stats().reads_blocked < 1) std::this_thread::yield();
  ASSERT_EQ(write_bytes(p.writer, pattern(42)).count, 42u);
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fut.get().count, 42u);
}

PIPEPOOL_ALL_POLICIES(PipeEof);

}  // namespace
}  // namespace pipepool::test
