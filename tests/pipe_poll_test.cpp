// poll bits and FIONREAD, as pipe_poll and pipe_ioctl report them.
#include <poll.h>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipePoll : public PipeTest {};

TEST_P(PipePoll, EmptyPipeIsWritableNotReadable) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  EXPECT_EQ(p.reader.poll(), 0);
  EXPECT_EQ(p.writer.poll(), POLLOUT | POLLWRNORM);
  EXPECT_EQ(p.reader.bytes_available(), 0u);
}

TEST_P(PipePoll, DataMakesItReadableFullMakesItUnwritable) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(5)).count, 5u);
  EXPECT_EQ(p.reader.poll(), POLLIN | POLLRDNORM);
  EXPECT_EQ(p.reader.bytes_available(), 5u);
  for (int i = 0; i < 15; ++i) ASSERT_EQ(write_bytes(p.writer, pattern(4096)).count, 4096u);
  EXPECT_EQ(p.writer.poll(), 0);
  EXPECT_EQ(p.reader.bytes_available(), 5u + 15u * 4096u);
}

TEST_P(PipePoll, HupWhenNoWritersErrWhenNoReaders) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(1)).count, 1u);
  Writer w = p.writer.clone();
  p.writer.close();
  EXPECT_EQ(p.reader.poll(), POLLIN | POLLRDNORM);
  w.close();
  EXPECT_EQ(p.reader.poll(), POLLIN | POLLRDNORM | POLLHUP);

  auto q = make(GetParam(), /*nonblocking=*/true);
  q.reader.close();
  EXPECT_EQ(q.writer.poll(), POLLOUT | POLLWRNORM | POLLERR);
}

TEST_P(PipePoll, FionreadCountsPartiallyReadBuffers) {
  auto p = make(GetParam(), /*nonblocking=*/true);
  ASSERT_EQ(write_bytes(p.writer, pattern(6000)).count, 6000u);
  ASSERT_EQ(read_n(p.reader, 1000).size(), 1000u);
  EXPECT_EQ(p.reader.bytes_available(), 5000u);
}

PIPEPOOL_ALL_POLICIES(PipePoll);

}  // namespace
}  // namespace pipepool::test
