// The wait queue serves waiters in arrival order: take_one releases the oldest waiter, and a
// released waiter whose condition is false again keeps its place ahead of later arrivals.
#include <gtest/gtest.h>

#include <atomic>
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
  unsigned permits = 0;         // guarded by mutex
  std::vector<unsigned> order;  // guarded by mutex: who took a permit, in order
};

// Starts waiter `id` and returns once it is queued (the queue holds `queued_after` waiters).
std::thread start_waiter(Shared& s, unsigned id, unsigned queued_after) {
  std::thread t([&s, id] {
    std::unique_lock lock(s.mutex);
    s.queue.wait(lock, [&s] { return s.permits != 0; });
    --s.permits;
    s.order.push_back(id);
  });
  for (;;) {
    std::lock_guard lock(s.mutex);
    if (s.queue.waiter_count() == queued_after) break;
  }
  return t;
}

void grant_one(Shared& s) {
  Wakeup w;
  {
    std::lock_guard lock(s.mutex);
    ++s.permits;
    s.queue.take_one(w);
  }
  w.wake();
}

TEST(SyncWaitOrder, WaitersAreServedInArrivalOrder) {
  Shared s;
  constexpr unsigned kWaiters = 6;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < kWaiters; ++i) threads.push_back(start_waiter(s, i, i + 1));
  for (unsigned i = 0; i < kWaiters; ++i) {
    grant_one(s);
    for (;;) {  // the permit is taken before the next one is granted
      std::lock_guard lock(s.mutex);
      if (s.order.size() == i + 1) break;
    }
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(s.order.size(), kWaiters);
  for (unsigned i = 0; i < kWaiters; ++i) EXPECT_EQ(s.order[i], i) << "position " << i;
}

// The oldest waiter is released, but a barging thread takes the permit before it runs; the next
// permit still goes to that waiter, not to the waiter queued after it.
TEST(SyncWaitOrder, AWaiterWhoseWakeUpWasStolenKeepsItsPlace) {
  Shared s;
  std::thread first = start_waiter(s, 1, 1);
  std::thread second = start_waiter(s, 2, 2);
  {
    Wakeup w;
    std::unique_lock lock(s.mutex);
    ++s.permits;
    s.queue.take_one(w);  // releases waiter 1
    --s.permits;          // ...whose permit a barging thread (this one) takes under the lock
    s.order.push_back(0);
    lock.unlock();
    w.wake();
  }
  for (;;) {  // waiter 1 ran, found no permit, and queued again
    std::lock_guard lock(s.mutex);
    if (s.queue.waiter_count() == 2) break;
  }
  grant_one(s);
  for (;;) {
    std::lock_guard lock(s.mutex);
    if (s.order.size() == 2) break;
  }
  grant_one(s);
  first.join();
  second.join();
  ASSERT_EQ(s.order.size(), 3u);
  EXPECT_EQ(s.order[1], 1u);  // the re-queued waiter goes before the one that arrived after it
  EXPECT_EQ(s.order[2], 2u);
}

}  // namespace
}  // namespace pipepool::internal
