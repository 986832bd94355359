// The pipe mutex (bare and metered): mutual exclusion under contention, try_lock, the owner check.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "internal/metered_mutex.hpp"
#include "internal/pipe_mutex.hpp"

namespace pipepool::internal {
namespace {

// N threads increment a plain counter under the lock: any overlap loses increments.
template <class Mutex>
std::uint64_t count_under_lock(Mutex& mutex, unsigned threads, unsigned per_thread) {
  std::uint64_t counter = 0;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (unsigned i = 0; i < per_thread; ++i) {
        std::lock_guard lock(mutex);
        const std::uint64_t v = counter;  // read, then write: a race would lose an update
        counter = v + 1;
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return counter;
}

TEST(SyncPipeMutex, MutualExclusionUnderContention) {
  PipeMutex mutex;
  EXPECT_EQ(count_under_lock(mutex, 8, 20000), 8u * 20000u);
}

TEST(SyncPipeMutex, MeteredMutualExclusionAndCounts) {
  MeteredMutex<PipeMutex> mutex;
  EXPECT_EQ(count_under_lock(mutex, 6, 20000), 6u * 20000u);
  const LockStats s = mutex.stats();
  EXPECT_EQ(s.acquisitions, 6u * 20000u);
  EXPECT_LE(s.contended, s.acquisitions);
}

TEST(SyncPipeMutex, TryLockFailsWhileHeld) {
  PipeMutex mutex;
  mutex.lock();
  bool got = true;
  std::thread([&] { got = mutex.try_lock(); }).join();
  EXPECT_FALSE(got);
  mutex.unlock();
  std::thread([&] {
    got = mutex.try_lock();
    if (got) mutex.unlock();
  }).join();
  EXPECT_TRUE(got);
}

TEST(SyncPipeMutex, OwnerCheckSeesOnlyTheHolder) {
  MeteredMutex<PipeMutex> mutex;
  EXPECT_FALSE(mutex.held_by_caller());
  std::lock_guard lock(mutex);
  EXPECT_TRUE(mutex.held_by_caller());
  bool other = true;
  std::thread([&] { other = mutex.held_by_caller(); }).join();
  EXPECT_FALSE(other);
}

// A holder that sleeps makes the other threads go past the spin to the futex and back.
TEST(SyncPipeMutex, SleepingWaitersAllGetTheLock) {
  PipeMutex mutex;
  std::uint64_t counter = 0;
  mutex.lock();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < 4; ++t) {
    pool.emplace_back([&] {
      std::lock_guard lock(mutex);
      ++counter;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  mutex.unlock();
  for (std::thread& t : pool) t.join();
  EXPECT_EQ(counter, 4u);
}

}  // namespace
}  // namespace pipepool::internal
