// The wait queue under the pipe mutex: take_one releases exactly one waiter, take_all releases
// every waiter, no wake-up is lost, and no futex call is made for a waiter that is not asleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "internal/pipe_mutex.hpp"
#include "internal/wait_queue.hpp"

namespace pipepool::internal {
namespace {

struct Shared {
  PipeMutex mutex;
  WaitQueue queue;
  bool go = false;  // guarded by mutex
  std::atomic<unsigned> released{0};
};

// Starts `n` threads that wait until `go`, then count themselves released.
std::vector<std::thread> start_waiters(Shared& s, unsigned n) {
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) {
    threads.emplace_back([&s] {
      std::unique_lock lock(s.mutex);
      s.queue.wait(lock, [&s] { return s.go; });
      s.released.fetch_add(1);
    });
  }
  // Every waiter registered (under the mutex) before the test goes on.
  for (;;) {
    std::unique_lock lock(s.mutex);
    if (s.queue.waiter_count() == n) break;
    lock.unlock();
    std::this_thread::yield();
  }
  return threads;
}

// Releases the oldest waiter (or every waiter), woken after the mutex is dropped.
void wake_one(PipeMutex& mutex, WaitQueue& q) {
  Wakeup w;
  {
    std::lock_guard lock(mutex);
    q.take_one(w);
  }
  w.wake();
}

void wake_all(PipeMutex& mutex, WaitQueue& q) {
  Wakeup w;
  {
    std::lock_guard lock(mutex);
    q.take_all(w);
  }
  w.wake();
}

void wait_for_released(Shared& s, unsigned n) {
  while (s.released.load() < n) std::this_thread::yield();
}

TEST(SyncWaitQueue, OneWakeReleasesExactlyOneWaiter) {
  Shared s;
  constexpr unsigned kWaiters = 4;
  std::vector<std::thread> threads = start_waiters(s, kWaiters);
  {
    std::lock_guard lock(s.mutex);
    s.go = true;  // every waiter could go: only the wake-up decides how many do
  }
  wake_one(s.mutex, s.queue);
  wait_for_released(s, 1);
  // The others stay parked whatever time they are given (they spin out and sleep meanwhile).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(s.released.load(), 1u);
  {
    std::lock_guard lock(s.mutex);
    EXPECT_EQ(s.queue.waiter_count(), kWaiters - 1);
  }
  for (unsigned i = 1; i < kWaiters; ++i) {
    wake_one(s.mutex, s.queue);
    wait_for_released(s, i + 1);
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(s.released.load(), kWaiters);
}

TEST(SyncWaitQueue, WakeAllReleasesEveryWaiter) {
  Shared s;
  constexpr unsigned kWaiters = 6;
  std::vector<std::thread> threads = start_waiters(s, kWaiters);
  {
    std::lock_guard lock(s.mutex);
    s.go = true;
  }
  wake_all(s.mutex, s.queue);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(s.released.load(), kWaiters);
  std::lock_guard lock(s.mutex);
  EXPECT_FALSE(s.queue.has_waiters());
}

TEST(SyncWaitQueue, AWakeWithNoWaiterMakesNoFutexCall) {
  PipeMutex mutex;
  WaitQueue q;
  for (int i = 0; i < 100; ++i) {
    wake_one(mutex, q);
    wake_all(mutex, q);
  }
  EXPECT_EQ(q.futex_wakes(), 0u);
}

// A waiter released while it still spins (the other side running) is woken by a store alone: of
// many such releases, at most those whose waiter was descheduled past its spin window make a
// futex call.
TEST(SyncWaitQueue, ASpinningWaiterIsReleasedWithoutAFutexCall) {
  PipeMutex mutex;
  WaitQueue q;
  RunningCount other;
  other.enter();  // the other side runs: the oldest waiter spins
  // A round whose waiter ran out of spin before the release (a loaded machine may not run the
  // releasing thread in time) sleeps and costs a futex call; the test needs one round that did
  // not, so it stops at the first such round.
  constexpr unsigned kMaxRounds = 2000;
  unsigned rounds = 0;
  while (rounds < kMaxRounds && q.futex_wakes() == rounds) {
    ++rounds;
    bool go = false;  // guarded by mutex
    std::thread waiter([&] {
      std::unique_lock lock(mutex);
      q.wait(lock, [&] { return go; }, {false, nullptr, &other, nullptr});
    });
    for (bool released = false; !released;) {
      std::unique_lock lock(mutex);
      if (q.waiter_count() == 1) {
        go = true;
        Wakeup w;
        q.take_one(w);
        lock.unlock();
        w.wake();
        released = true;
      }
    }
    waiter.join();
  }
  EXPECT_LT(q.futex_wakes(), rounds);
}

TEST(SyncWaitQueue, AWakeOfASleeperMakesAFutexCall) {
  Shared s;
  std::vector<std::thread> threads = start_waiters(s, 2);  // the second sleeps at once
  {
    std::lock_guard lock(s.mutex);
    s.go = true;
  }
  wake_all(s.mutex, s.queue);
  for (std::thread& t : threads) t.join();
  EXPECT_GE(s.queue.futex_wakes(), 1u);
}

// Ping-pong through two queues: each side waits for the other's turn, so one lost wake-up hangs
// the test (ctest's timeout fails it).
TEST(SyncWaitQueue, NoWakeUpIsLostUnderStress) {
  PipeMutex mutex;
  WaitQueue ping;
  WaitQueue pong;
  unsigned turn = 0;  // guarded by mutex: even = ping's turn, odd = pong's
  constexpr unsigned kRounds = 20000;
  auto side = [&](unsigned parity, WaitQueue& mine, WaitQueue& other) {
    for (unsigned i = 0; i < kRounds; ++i) {
      std::unique_lock lock(mutex);
      mine.wait(lock, [&] { return turn % 2 == parity; });
      ++turn;
      Wakeup w;
      other.take_one(w);
      lock.unlock();
      w.wake();
    }
  };
  std::thread a(side, 0u, std::ref(ping), std::ref(pong));
  std::thread b(side, 1u, std::ref(pong), std::ref(ping));
  a.join();
  b.join();
  EXPECT_EQ(turn, 2 * kRounds);
}

// Many waiters, one permit per wake-up: every permit is taken by exactly one waiter.
TEST(SyncWaitQueue, EveryPermitReachesOneWaiter) {
  PipeMutex mutex;
  WaitQueue q;
  unsigned permits = 0;  // guarded by mutex
  unsigned taken = 0;    // guarded by mutex
  constexpr unsigned kThreads = 4;
  constexpr unsigned kPerThread = 5000;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (unsigned i = 0; i < kPerThread; ++i) {
        std::unique_lock lock(mutex);
        q.wait(lock, [&] { return permits != 0; });
        --permits;
        ++taken;
        Wakeup w;
        if (permits != 0) q.take_one(w);
        lock.unlock();
        w.wake();
      }
    });
  }
  for (unsigned i = 0; i < kThreads * kPerThread; ++i) {
    std::unique_lock lock(mutex);
    ++permits;
    Wakeup w;
    q.take_one(w);
    lock.unlock();
    w.wake();
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(taken, kThreads * kPerThread);
  EXPECT_EQ(permits, 0u);
}

}  // namespace
}  // namespace pipepool::internal
