// The pipe mutex lets a spinning waiter take the lock before the thread that just unlocked takes
// it again (a kernel pipe call cannot re-lock before its system call has returned), and keeps a
// waiter spinning while the owner reports progress.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "internal/lock_clock.hpp"
#include "internal/pipe_mutex.hpp"

namespace pipepool::internal {
namespace {

TEST(SyncPipeMutexSpinnerFirst, ASpinnerTakesTheLockBeforeTheUnlockerRelocks) {
  PipeMutex mutex;
  mutex.set_spinner_first(true);
  // A round counts when the waiter was seen spinning just before the unlock and the unlock ended
  // before its time bound: the waiter was running. (On a loaded machine it may have lost its CPU,
  // and the unlock then waits out its bound; such rounds say nothing.) In every counted round the
  // waiter must come first; without the unlock's wait the unlocker, locking again at once, comes
  // first in nearly every round.
  unsigned counted = 0;
  unsigned spinner_first = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (unsigned round = 0;
       round < 400 && counted < 50 && std::chrono::steady_clock::now() < give_up; ++round) {
    std::atomic<unsigned> order{0};
    unsigned waiter_turn = 0;  // written under the mutex
    mutex.lock();
    std::thread waiter([&] {
      mutex.lock();
      waiter_turn = order.fetch_add(1, std::memory_order_relaxed);
      mutex.unlock();
    });
    // Report progress, so that the waiter keeps spinning, until it is seen spinning.
    bool seen = false;
    for (unsigned i = 0; i < 2'000'000 && !seen; ++i) {
      mutex.note_progress();
      seen = mutex.spinners() != 0;
    }
    const std::uint64_t start = lock_ticks();
    mutex.unlock();
    const std::uint64_t unlock_ticks = lock_ticks() - start;
    mutex.lock();
    const unsigned my_turn = order.fetch_add(1, std::memory_order_relaxed);
    mutex.unlock();
    waiter.join();
    if (seen && unlock_ticks < PipeMutex::kUnlockWaitTicks) {
      ++counted;
      if (waiter_turn < my_turn) ++spinner_first;
    }
  }
  if (counted == 0) GTEST_SKIP() << "the waiter was never seen running at the unlock";
  EXPECT_EQ(spinner_first, counted);
  EXPECT_EQ(mutex.spinners(), 0u);
}

}  // namespace
}  // namespace pipepool::internal
