// Many readers and writers on a pipe of a single slot (F_SETPIPE_SZ 4096): nearly every call
// waits, and each wake-up must reach a task that can go on. A lost wake-up hangs the test (the
// watchdog fails it); a wrong one loses or duplicates data (the checks fail it).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 4;

class TortureTinyPipe : public PipeTest {};

// Packet mode: each write is one packet of 8..4096 bytes carrying (writer, seq); each read returns
// one whole packet. Every packet arrives exactly once.
TEST_P(TortureTinyPipe, PacketsThroughOneSlot) {
  Watchdog watchdog;
  PipePair p = make(GetParam(), false, /*packet=*/true);
  ASSERT_EQ(p.writer.set_pipe_size(1).size, kPipeBuf);
  const std::uint32_t per_writer = static_cast<std::uint32_t>(scaled(2000));
  std::vector<std::vector<std::uint64_t>> seen(kReaders);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      std::mt19937 rng(static_cast<unsigned>(w));
      std::vector<std::byte> msg(kPipeBuf);
      for (std::uint32_t s = 0; s < per_writer; ++s) {
        const std::size_t len = 8 + rng() % (kPipeBuf - 8 + 1);
        const std::uint64_t id = (std::uint64_t(w) << 32) | s;
        std::memcpy(msg.data(), &id, sizeof id);
        std::fill(msg.begin() + 8, msg.begin() + static_cast<long>(len),
                  static_cast<std::byte>(len & 0xff));
        ASSERT_EQ(wr.write({msg.data(), len}).count, len);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r, rd = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(kPipeBuf);
      for (;;) {
        const IoResult res = rd.read(buf);
        ASSERT_TRUE(res.ok());
        if (res.count == 0) return;
        ASSERT_GE(res.count, 8u);
        std::uint64_t id;
        std::memcpy(&id, buf.data(), sizeof id);
        const auto fill = static_cast<std::byte>(res.count & 0xff);
        ASSERT_TRUE(std::all_of(buf.begin() + 8, buf.begin() + static_cast<long>(res.count),
                                [fill](std::byte b) { return b == fill; }))
            << "torn or corrupted packet";
        seen[r].push_back(id);
      }
    });
  }
  p.writer.close();
  p.reader.close();
  for (auto& t : threads) t.join();
  std::vector<std::uint64_t> all;
  for (auto& v : seen) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), std::size_t{kWriters} * per_writer) << "packets lost or duplicated";
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i], (std::uint64_t(i / per_writer) << 32) | (i % per_writer));
  }
}

// Stream mode, 1-byte writes (they merge into the one page) and 1..7-byte reads: bytes and their
// sum are conserved.
TEST_P(TortureTinyPipe, SingleBytesThroughOneSlot) {
  Watchdog watchdog;
  PipePair p = make(GetParam());
  ASSERT_EQ(p.writer.set_pipe_size(kPipeBuf).size, kPipeBuf);
  const std::size_t per_writer = scaled(20000);
  std::atomic<std::uint64_t> read_bytes{0};
  std::atomic<std::uint64_t> read_sum{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      for (std::size_t i = 0; i < per_writer; ++i) {
        const std::byte b = static_cast<std::byte>((w + i) & 0xff);
        ASSERT_EQ(wr.write({&b, 1}).count, 1u);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r, rd = p.reader.clone()]() mutable {
      std::byte buf[7];
      std::size_t len = 1 + static_cast<std::size_t>(r);
      for (;;) {
        const IoResult res = rd.read({buf, len});
        ASSERT_TRUE(res.ok());
        if (res.count == 0) return;
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < res.count; ++i) sum += static_cast<std::uint64_t>(buf[i]);
        read_bytes += res.count;
        read_sum += sum;
        len = len % 7 + 1;
      }
    });
  }
  p.writer.close();
  p.reader.close();
  for (auto& t : threads) t.join();
  std::uint64_t want_sum = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (std::size_t i = 0; i < per_writer; ++i) want_sum += (w + i) & 0xff;
  }
  EXPECT_EQ(read_bytes.load(), kWriters * per_writer);
  EXPECT_EQ(read_sum.load(), want_sum);
}

PIPEPOOL_ALL_POLICIES(TortureTinyPipe);

}  // namespace
}  // namespace pipepool::test
