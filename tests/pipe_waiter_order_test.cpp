// Blocked writers are served in arrival order: when a reader frees one slot of a full pipe, the
// writer that blocked first fills it, not one that blocked after it. Likewise for readers of an
// empty pipe. Run in both copy modes.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "internal/pipe_core.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::test {
namespace {

PipePair make_order_pipe(CopyMode mode) {
  PipeOptions o;
  o.policy = PolicyKind::unified;
  o.allocator.kind = AllocatorKind::heap;
  o.copy = mode;
  PipePair p = make_pipe(o);
  EXPECT_TRUE(p.ok()) << p.error.message();
  return p;
}

// Waits until `n` operations of the pipe have blocked (each registers as a waiter in the same
// critical section in which it is counted, so the order of counting is the order of queueing).
void wait_blocked(const Pipe& pipe, std::uint64_t n, bool writes) {
  for (;;) {
    const PipeStats s = pipe.stats();
    if ((writes ? s.writes_blocked : s.reads_blocked) >= n) return;
    std::this_thread::yield();
  }
}

class PipeWaiterOrder : public ::testing::TestWithParam<CopyMode> {};

TEST_P(PipeWaiterOrder, BlockedWritersFillFreedSlotsInArrivalOrder) {
  PipePair p = make_order_pipe(GetParam());
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p.reader.set_pipe_size(4096).ok());  // one slot
  std::vector<std::byte> page(4096, std::byte{'0'});
  ASSERT_EQ(p.writer.write(page).count, 4096u);  // full

  constexpr unsigned kWriters = 4;
  std::vector<std::thread> writers;
  for (unsigned i = 0; i < kWriters; ++i) {
    Writer w = p.writer.clone();
    writers.emplace_back([w = std::move(w), i]() mutable {
      std::vector<std::byte> mine(4096, std::byte{static_cast<unsigned char>('A' + i)});
      EXPECT_EQ(w.write(mine).count, 4096u);
    });
    wait_blocked(p.reader.end()->pipe(), i + 1, true);  // writer i queued before writer i + 1
  }
  std::vector<std::byte> got(4096);
  std::string order;
  for (unsigned i = 0; i <= kWriters; ++i) {
    ASSERT_EQ(p.reader.read(got).count, 4096u);
    order += static_cast<char>(got[0]);
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(order, "0ABCD");
}

TEST_P(PipeWaiterOrder, BlockedReadersAreServedInArrivalOrder) {
  PipePair p = make_order_pipe(GetParam());
  ASSERT_TRUE(p.ok());
  constexpr unsigned kReaders = 4;
  std::vector<char> seen(kReaders, 0);
  std::vector<std::thread> readers;
  for (unsigned i = 0; i < kReaders; ++i) {
    Reader r = p.reader.clone();
    readers.emplace_back([r = std::move(r), &seen, i]() mutable {
      std::byte b{};
      EXPECT_EQ(r.read(std::span<std::byte>(&b, 1)).count, 1u);
      seen[i] = static_cast<char>(b);
    });
    wait_blocked(p.reader.end()->pipe(), i + 1, false);
  }
  for (unsigned i = 0; i < kReaders; ++i) {
    const std::byte b{static_cast<unsigned char>('a' + i)};
    ASSERT_EQ(p.writer.write(std::span<const std::byte>(&b, 1)).count, 1u);
    readers[i].join();  // reader i took byte i before the next byte is written
  }
  EXPECT_EQ(std::string(seen.begin(), seen.end()), "abcd");
}

INSTANTIATE_TEST_SUITE_P(Modes, PipeWaiterOrder,
                         ::testing::Values(CopyMode::kernel, CopyMode::parallel),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace pipepool::test
