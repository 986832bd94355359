// The registry on its own, with fake pools: a pool in use is skipped (never waited for), and a
// pool leaving waits for the scan that is freeing its pages.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "pipepool/page_allocator.hpp"
#include "pipepool/shrinker.hpp"
#include "shrinker/registry.hpp"

namespace pipepool::shrinker {
namespace {

// Holds `pages` fake pages (never dereferenced); `busy` makes try_take fail as a taken lock does.
class FakePool final : public Reclaimable {
 public:
  FakePool(std::size_t pages, std::uint64_t last_use) : pages_(pages), last_use_(last_use) {
    id_ = Registry::instance().join(*this);
  }
  ~FakePool() override { leave(); }
  void leave() {
    if (id_ != 0) Registry::instance().leave(std::exchange(id_, 0));
  }

  std::size_t held() const noexcept override { return pages_.load(); }
  std::uint64_t last_use_ns() const noexcept override { return last_use_; }
  bool try_take(std::size_t max, std::uint64_t used_before_ns, PageBatch& out) noexcept override {
    if (busy) return false;
    if (last_use_ > used_before_ns) return true;
    while (out.count < max && !out.full() && pages_ > 0) {
      out.push(this);
      --pages_;
    }
    return true;
  }
  void free_taken(PageBatch& pages) noexcept override {
    in_free = true;
    while (hold_free.load()) std::this_thread::yield();
    freed += pages.count;
    pages.count = 0;
    in_free = false;
  }

  std::atomic<bool> busy{false};
  std::atomic<bool> hold_free{false};
  std::atomic<bool> in_free{false};
  std::atomic<std::size_t> freed{0};

 private:
  std::atomic<std::size_t> pages_;
  std::uint64_t last_use_;
  std::uint64_t id_ = 0;
};

TEST(ShrinkerRegistry, PoolInUseIsSkippedNotWaitedFor) {
  shrink_all();
  FakePool oldest(5, 1);
  FakePool next(5, 2);
  oldest.busy = true;
  const ShrinkerStats before = shrinker_stats();
  EXPECT_EQ(Registry::instance().scan(7), 5u);  // the busy oldest is skipped
  EXPECT_EQ(oldest.held(), 5u);
  EXPECT_EQ(next.held(), 0u);
  EXPECT_EQ(shrinker_stats().busy_skips - before.busy_skips, 1u);
  oldest.busy = false;
  EXPECT_EQ(Registry::instance().scan(7), 5u);
  EXPECT_EQ(oldest.freed.load(), 5u);
  EXPECT_EQ(next.freed.load(), 5u);
}

TEST(ShrinkerRegistry, LeaveWaitsForTheScanUsingThePool) {
  shrink_all();
  FakePool pool(40, 1);
  pool.hold_free = true;
  std::thread scanner([] { Registry::instance().scan(40); });
  while (!pool.in_free.load()) std::this_thread::yield();
  std::atomic<bool> left{false};
  std::thread leaver([&] {
    pool.leave();
    left = true;
  });
  // The scan is parked inside free_taken: leave() must not return yet. (If it wrongly did, this
  // check may catch it; it cannot fail when leave() is right.)
  std::this_thread::sleep_for(std::chrono::milliseconds{20});
  EXPECT_FALSE(left.load());
  pool.hold_free = false;
  scanner.join();
  leaver.join();
  EXPECT_TRUE(left.load());
  // The scan stopped at the pool's first batch or drained it, but never used it after leave().
  EXPECT_GE(pool.freed.load(), kScanBatch);
}

TEST(ShrinkerRegistry, CountSumsEveryPool) {
  shrink_all();
  FakePool a(3, 1);
  FakePool b(4, 2);
  EXPECT_EQ(Registry::instance().count(), 7u);
  EXPECT_EQ(shrinker_count(), 7u);
  const ShrinkerStats s = shrinker_stats();
  EXPECT_GE(s.pools, 2u);
  EXPECT_EQ(s.pages_held, 7u);
}

}  // namespace
}  // namespace pipepool::shrinker
