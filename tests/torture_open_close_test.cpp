// A pipe opened, used and closed 20k times in a tight loop; every 50th time a helper thread is
// blocked in it when it closes (a reader parked on the empty pipe when the writer closes, or a
// writer parked on the full pipe when the reader closes). Nothing hangs (watchdog), every call
// returns what Linux returns, and every page goes back to the shared allocator.
#include <thread>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

class TortureOpenClose : public PipeTest {};

TEST_P(TortureOpenClose, TightLoopWithBlockedThreadsAtClose) {
  Watchdog watchdog;
  auto allocator = make_allocator({AllocatorKind::model, {}});
  const auto fill = pattern(16 * kPipeBuf, 3);
  const auto msg = pattern(100, 4);
  const std::size_t iterations = scaled(20000);
  for (std::size_t i = 0; i < iterations; ++i) {
    PipeOptions opt;
    opt.policy = GetParam();
    opt.allocator_instance = allocator;
    PipePair p = make_pipe(opt);
    ASSERT_TRUE(p.ok());
    if (i % 100 == 0) {  // a reader parked on the empty pipe; the writer's close wakes it
      std::thread reader([rd = p.reader.clone()]() mutable {
        std::byte b{};
        const IoResult r = rd.read({&b, 1});
        EXPECT_TRUE(r.ok() && r.count == 0) << "expected EOF";
      });
      wait_until([&] { return p.reader.stats().reads_blocked == 1; });
      p.writer.close();
      reader.join();
      continue;
    }
    if (i % 100 == 50) {  // a writer parked on the full pipe; the reader's close wakes it
      ASSERT_EQ(write_bytes(p.writer, fill).count, fill.size());
      std::thread writer([&, wr = p.writer.clone()]() mutable {
        EXPECT_EQ(write_bytes(wr, msg).error, err(EPIPE));
      });
      wait_until([&] { return p.writer.stats().writes_blocked == 1; });
      p.reader.close();
      writer.join();
      continue;
    }
    // The plain case: some bytes through, then close one side or the other first, with data
    // left in the pipe every other time.
    ASSERT_EQ(write_bytes(p.writer, msg).count, msg.size());
    if (i % 2 == 0) {
      ASSERT_EQ(read_n(p.reader, msg.size()), msg);
    }
    if (i % 3 == 0) {
      p.reader.close();
      EXPECT_EQ(write_bytes(p.writer, msg).error, err(EPIPE));
    } else {
      p.writer.close();
      if (i % 2 == 1) {
        EXPECT_EQ(read_n(p.reader, 4096), msg);
      }
      EXPECT_EQ(read_n(p.reader, 1).size(), 0u);  // EOF
    }
  }
  const AllocatorStats a = allocator->stats();
  EXPECT_GT(a.allocations, 0u);
  EXPECT_EQ(a.allocations, a.frees) << "pages leaked";
}

PIPEPOOL_ALL_POLICIES(TortureOpenClose);

}  // namespace
}  // namespace pipepool::test
