// 1000 pipes open at once, 8 threads doing random non-blocking operations on random pipes
// (writes and writevs of 1..12 KiB, reads and readvs, resizes, polls, dup and close of handles).
// Afterwards each pipe is drained: per pipe, the bytes read and their sum equal what the writes
// reported, and once the pipes are gone every page went back to their shared allocator.
#include <poll.h>

#include <atomic>
#include <memory>
#include <random>
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

constexpr std::size_t kPipes = 1000;
constexpr int kThreads = 8;

struct Slot {
  PipePair pipe;
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> written_sum{0};
  std::atomic<std::uint64_t> read{0};
  std::atomic<std::uint64_t> read_sum{0};
};

std::uint64_t byte_sum(const std::byte* p, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<std::uint64_t>(p[i]);
  return s;
}

class TortureManyPipes : public PipeTest {};

TEST_P(TortureManyPipes, RandomOpsFromEightThreads) {
  Watchdog watchdog;
  auto allocator = make_allocator({AllocatorKind::model, {}});
  std::vector<std::unique_ptr<Slot>> slots;
  for (std::size_t i = 0; i < kPipes; ++i) {
    PipeOptions opt;
    opt.policy = GetParam();
    opt.allocator_instance = allocator;
    opt.nonblocking = true;
    auto s = std::make_unique<Slot>();
    s->pipe = make_pipe(opt);
    ASSERT_TRUE(s->pipe.ok());
    ASSERT_EQ(s->pipe.writer.set_pipe_size(4 * kPipeBuf).size, 4 * kPipeBuf);
    slots.push_back(std::move(s));
  }

  const std::size_t ops = scaled(15000, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t + 1));
      std::vector<std::byte> buf(16 * 1024);
      for (std::size_t op = 0; op < ops; ++op) {
        Slot& s = *slots[rng() % kPipes];
        const unsigned what = rng() % 16;
        if (what < 6) {  // write (writev when odd) of 1..12 KiB
          const std::size_t len = 1 + rng() % (12 * 1024);
          std::uint64_t x = rng();
          for (std::size_t i = 0; i < len; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = static_cast<std::byte>(x >> 56);
          }
          IoResult r;
          if (what % 2 == 1 && len > 1) {
            const iovec iov[2] = {{buf.data(), len / 2}, {buf.data() + len / 2, len - len / 2}};
            r = s.pipe.writer.writev(iov);
          } else {
            r = s.pipe.writer.write({buf.data(), len});
          }
          if (r.ok()) {
            ASSERT_GT(r.count, 0u);
            ASSERT_LE(r.count, len);
            if (len <= kPipeBuf) {
              ASSERT_EQ(r.count, len) << "PIPE_BUF atomicity";
            }
            s.written += r.count;
            s.written_sum += byte_sum(buf.data(), r.count);
          } else {
            ASSERT_EQ(r.error, err(EAGAIN)) << r.error.message();
          }
        } else if (what < 12) {  // read (readv when odd) of 1..16 KiB
          const std::size_t len = 1 + rng() % buf.size();
          IoResult r;
          if (what % 2 == 1 && len > 1) {
            const iovec iov[2] = {{buf.data(), len / 3}, {buf.data() + len / 3, len - len / 3}};
            r = s.pipe.reader.readv(iov);
          } else {
            r = s.pipe.reader.read({buf.data(), len});
          }
          if (r.ok()) {
            ASSERT_GT(r.count, 0u) << "EOF on a pipe with a writer";
            s.read += r.count;
            s.read_sum += byte_sum(buf.data(), r.count);
          } else {
            ASSERT_EQ(r.error, err(EAGAIN)) << r.error.message();
          }
        } else if (what == 12) {  // resize to 1..8 slots: EBUSY when it holds more
          const std::size_t slots_wanted = std::size_t{1} << (rng() % 4);
          const SizeResult r = s.pipe.reader.set_pipe_size(slots_wanted * kPipeBuf);
          if (r.ok()) {
            ASSERT_EQ(r.size, slots_wanted * kPipeBuf);
          } else {
            ASSERT_EQ(r.error, err(EBUSY));
          }
        } else if (what == 13) {  // poll and FIONREAD: both ends open, no errors
          ASSERT_EQ(s.pipe.reader.poll() & (POLLHUP | POLLERR), 0);
          ASSERT_EQ(s.pipe.writer.poll() & (POLLHUP | POLLERR), 0);
          ASSERT_LE(s.pipe.reader.bytes_available(), 8 * kPipeBuf);
        } else {  // dup a handle, use it once, close it
          Writer w = s.pipe.writer.clone();
          Reader r = s.pipe.reader.clone();
          std::byte b{};
          const IoResult res = r.read({&b, 1});
          if (res.ok()) {
            ASSERT_EQ(res.count, 1u);
            s.read += 1;
            s.read_sum += static_cast<std::uint64_t>(b);
          }
          w.close();
          r.close();
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  std::vector<std::byte> buf(64 * 1024);
  for (auto& sp : slots) {
    Slot& s = *sp;
    s.pipe.writer.close();
    for (;;) {
      const IoResult r = s.pipe.reader.read(buf);
      ASSERT_TRUE(r.ok()) << r.error.message();
      if (r.count == 0) break;
      s.read += r.count;
      s.read_sum += byte_sum(buf.data(), r.count);
    }
    ASSERT_EQ(s.read.load(), s.written.load());
    ASSERT_EQ(s.read_sum.load(), s.written_sum.load());
  }
  slots.clear();
  const AllocatorStats a = allocator->stats();
  EXPECT_GT(a.allocations, 0u);
  EXPECT_EQ(a.allocations, a.frees) << "pages leaked";
}

PIPEPOOL_ALL_POLICIES(TortureManyPipes);

}  // namespace
}  // namespace pipepool::test
