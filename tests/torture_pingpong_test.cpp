// Two threads bounce a 1-byte message over two pipes 100k times (20k for the policies other than
// the default: the wake-up logic does not depend on the policy): every round trip needs one
// wake-up in each direction, so a single lost wake-up hangs the test (and the watchdog fails it).
#include <poll.h>

#include <algorithm>
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

class TorturePingPong : public PipeTest {};

TEST_P(TorturePingPong, OneByteMessagesNeverMissAWakeUp) {
  Watchdog watchdog;
  PipePair there = make(GetParam());
  PipePair back = make(GetParam());
  const std::size_t rounds = scaled(GetParam() == PolicyKind::unified ? 100000 : 20000, 10);

  std::thread echo([&, in = there.reader.clone(), out = back.writer.clone()]() mutable {
    std::byte c{};
    for (std::size_t i = 0; i < rounds; ++i) {
      const IoResult r = in.read({&c, 1});
      ASSERT_EQ(r.count, 1u) << r.error.message();
      ASSERT_EQ(c, static_cast<std::byte>(i & 0xff));
      ASSERT_EQ(out.write({&c, 1}).count, 1u);
    }
  });
  there.reader.close();
  back.writer.close();
  for (std::size_t i = 0; i < rounds; ++i) {
    std::byte c = static_cast<std::byte>(i & 0xff);
    ASSERT_EQ(there.writer.write({&c, 1}).count, 1u);
    c = std::byte{0};
    ASSERT_EQ(back.reader.read({&c, 1}).count, 1u);
    ASSERT_EQ(c, static_cast<std::byte>(i & 0xff));
  }
  echo.join();
  // Both directions were read `rounds` times, one byte each, and the blocking path was used.
  EXPECT_EQ(back.reader.stats().reads, rounds);
  EXPECT_EQ(there.writer.stats().reads, rounds);
  EXPECT_GT(there.writer.stats().reads_blocked + back.reader.stats().reads_blocked, 0u);
  // The echo thread is gone: its write end closed, so the next read is EOF.
  std::byte c{};
  EXPECT_EQ(back.reader.read({&c, 1}).count, 0u);
}

// A 1-slot pipe between one writer of 4096-byte messages and one reader: every write after the
// first waits until the reader has emptied the slot, and every read waits for the next write.
TEST_P(TorturePingPong, FullPageMessagesThroughOneSlot) {
  Watchdog watchdog;
  PipePair p = make(GetParam());
  ASSERT_EQ(p.writer.set_pipe_size(kPipeBuf).size, kPipeBuf);
  const std::size_t messages = scaled(10000);
  std::thread reader([&, rd = p.reader.clone()]() mutable {
    std::vector<std::byte> buf(kPipeBuf);
    for (std::size_t i = 0; i < messages; ++i) {
      const IoResult r = rd.read(buf);
      ASSERT_EQ(r.count, kPipeBuf);
      ASSERT_EQ(buf.front(), static_cast<std::byte>(i & 0xff));
      ASSERT_EQ(buf.back(), static_cast<std::byte>(i & 0xff));
    }
  });
  p.reader.close();
  std::vector<std::byte> msg(kPipeBuf);
  for (std::size_t i = 0; i < messages; ++i) {
    std::fill(msg.begin(), msg.end(), static_cast<std::byte>(i & 0xff));
    ASSERT_EQ(write_bytes(p.writer, msg).count, kPipeBuf);
  }
  reader.join();
  EXPECT_EQ(p.writer.stats().bytes_read, messages * kPipeBuf);
  EXPECT_EQ(p.writer.poll() & POLLERR, POLLERR);  // the reader is gone
}

PIPEPOOL_ALL_POLICIES(TorturePingPong);

}  // namespace
}  // namespace pipepool::test
