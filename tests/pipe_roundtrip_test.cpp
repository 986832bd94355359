// Bytes written come out in order and unchanged; zero-length calls return 0.
#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeRoundTrip : public PipeTest {};

TEST_P(PipeRoundTrip, SmallWriteReadsBackExactly) {
  auto p = make(GetParam());
  auto data = pattern(100);
  ASSERT_EQ(write_bytes(p.writer, data).count, 100u);
  EXPECT_EQ(read_n(p.reader, 4096), data);
}

TEST_P(PipeRoundTrip, MultiPageWriteReadsBackInOrder) {
  auto p = make(GetParam());
  auto data = pattern(3 * 4096 + 17);
  ASSERT_EQ(write_bytes(p.writer, data).count, data.size());
  std::vector<std::byte> got;
  while (got.size() < data.size()) {
    auto chunk = read_n(p.reader, 1000);
    ASSERT_FALSE(chunk.empty());
    got.insert(got.end(), chunk.begin(), chunk.end());
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ(p.reader.stats().bytes_read, data.size());
  EXPECT_EQ(p.reader.stats().bytes_written, data.size());
}

TEST_P(PipeRoundTrip, ZeroLengthCallsReturnZero) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  EXPECT_EQ(p.writer.write({}).count, 0u);
  EXPECT_TRUE(p.writer.write({}).ok());
  // A zero-length read returns 0 even on an empty non-blocking pipe (no EAGAIN).
  IoResult r = p.reader.read({});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.count, 0u);
  // And a zero-length write returns 0 even with no reader (no EPIPE).
  p.reader.close();
  EXPECT_TRUE(p.writer.write({}).ok());
}

TEST_P(PipeRoundTrip, VectoredIoWithOddLayouts) {
  auto p = make(GetParam());
  auto data = pattern(10000);
  std::vector<iovec> out{{data.data(), 1},
                         {nullptr, 0},
                         {data.data() + 1, 4095},
                         {data.data() + 4096, 0},
                         {data.data() + 4096, 5904}};
  ASSERT_EQ(p.writer.writev(out).count, 10000u);
  std::vector<std::byte> got(10000);
  std::vector<iovec> in{{got.data(), 3}, {got.data() + 3, 0}, {got.data() + 3, 9997}};
  std::size_t total = 0;
  while (total < 10000) {
    // Re-aim the iovecs past what was read so far.
    std::size_t skip = total;
    std::vector<iovec> rest;
    for (auto v : in) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      rest.push_back({static_cast<char*>(v.iov_base) + skip, v.iov_len - skip});
      skip = 0;
    }
    IoResult r = p.reader.readv(rest);
    ASSERT_TRUE(r.ok());
    ASSERT_GT(r.count, 0u);
    total += r.count;
  }
  EXPECT_EQ(got, data);
}

TEST_P(PipeRoundTrip, ClosedHandleIsEbadf) {
  auto p = make(GetParam());
  Writer w = p.writer.clone();
  w.close();
  EXPECT_EQ(write_bytes(w, pattern(1)).error, err(EBADF));
  Reader r;
  std::byte b{};
  EXPECT_EQ(r.read({&b, 1}).error, err(EBADF));
}

PIPEPOOL_ALL_POLICIES(PipeRoundTrip);

}  // namespace
}  // namespace pipepool::test
