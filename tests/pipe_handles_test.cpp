// Handles behave like descriptors: clone() is dup (shared flags), the last close of a side closes
// it.
#include <fcntl.h>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

class PipeHandles : public PipeTest {};

TEST_P(PipeHandles, ClonesShareStatusFlagsLikeDup) {
  auto p = make(GetParam());
  Reader r2 = p.reader.clone();
  r2.set_nonblocking(true);
  std::vector<std::byte> buf(10);
  EXPECT_EQ(p.reader.read(buf).error, err(EAGAIN));  // same open file: non-blocking too
  EXPECT_EQ(p.reader.end()->flags(), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(p.writer.end()->flags(), O_WRONLY);
}

TEST_P(PipeHandles, SidesCountOpenEnds) {
  auto p = make(GetParam());
  Pipe& pipe = p.reader.end()->pipe();
  EXPECT_EQ(pipe.readers(), 1u);
  EXPECT_EQ(pipe.writers(), 1u);
  {
    Reader a = p.reader.clone();
    Reader b = p.reader.clone();
    EXPECT_EQ(pipe.readers(), 1u);  // clones share one open end
  }
  auto w = p.writer;  // copy is a clone too
  p.writer.close();
  EXPECT_EQ(pipe.writers(), 1u);
  w.close();
  EXPECT_EQ(pipe.writers(), 0u);
}

TEST_P(PipeHandles, PacketFlagIsOnTheWriteEndOnly) {
  auto p = make(GetParam(), false, /*packet=*/true);
  EXPECT_EQ(p.writer.end()->flags(), O_WRONLY | O_DIRECT);
  EXPECT_EQ(p.reader.end()->flags(), O_RDONLY);
}

TEST_P(PipeHandles, WrongEndIsEbadf) {
  auto p = make(GetParam());
  std::vector<std::byte> buf(4);
  iovec v{buf.data(), buf.size()};
  EXPECT_EQ(p.writer.end()->read({&v, 1}).error, err(EBADF));
  EXPECT_EQ(p.reader.end()->write({&v, 1}).error, err(EBADF));
}

TEST_P(PipeHandles, NullBufferWithLengthIsEfault) {
  auto p = make(GetParam());
  iovec v{nullptr, 10};
  EXPECT_EQ(p.writer.writev({&v, 1}).error, err(EFAULT));
  EXPECT_EQ(p.reader.readv({&v, 1}).error, err(EFAULT));
}

PIPEPOOL_ALL_POLICIES(PipeHandles);

}  // namespace
}  // namespace pipepool::test
