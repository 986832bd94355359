// Every policy allocates and frees on the side of the pipe mutex it claims, checked by the mutex's
// owner (not by which helper was called): a policy that allocates "outside the lock" while the
// pipe holds it is caught. Also: the pipe mutex's metrics count what happened.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool::test {
namespace {

void write_and_drain(Pipe& pipe, std::size_t size) {
  std::vector<char> data(size, 'x');
  iovec w{data.data(), data.size()};
  ASSERT_EQ(pipe.write({&w, 1}, true, false).count, size);
  std::vector<char> out(1 << 20);
  iovec r{out.data(), out.size()};
  while (pipe.read({&r, 1}, true).count > 0) {
  }
}

std::shared_ptr<Pipe> open_pipe(std::unique_ptr<PagePool> pool) {
  auto pipe = std::make_shared<Pipe>(std::move(pool));
  pipe->open_end(false);
  pipe->open_end(true);
  EXPECT_TRUE(pipe->set_size(1 << 20).ok());
  return pipe;
}

class LockSide : public ::testing::TestWithParam<PolicyKind> {};

TEST_P(LockSide, EveryAllocationAndFreeIsOnTheSideItClaims) {
  auto pipe = open_pipe(make_pool(GetParam(), make_allocator({AllocatorKind::model, {}})));
  for (std::size_t size : {100u, 4096u, 5000u, 65536u, 200000u, 1u << 20}) {
    write_and_drain(*pipe, size);
  }
  const PipeStats s = pipe->stats();
  EXPECT_GT(s.pool.allocs_in_lock + s.pool.allocs_outside_lock, 0u);
  EXPECT_EQ(s.pool.lock_violations, 0u);
  pipe->close_end(false);
  pipe->close_end(true);
}

TEST_P(LockSide, TheMutexCountsItsAcquisitionsAndHoldTime) {
  auto pipe = open_pipe(make_pool(GetParam(), make_allocator({AllocatorKind::model, {}})));
  const LockStats before = pipe->stats().lock;
  write_and_drain(*pipe, 65536);
  const LockStats after = pipe->stats().lock;
  // One write and at least two reads (data, then EAGAIN), each one acquisition at least.
  EXPECT_GE(after.acquisitions - before.acquisitions, 3u);
  EXPECT_GT(after.hold_ns, before.hold_ns);
  EXPECT_EQ(after.contended, 0u);  // one thread: nobody ever found it held
  EXPECT_EQ(after.wait_ns, 0u);
  pipe->close_end(false);
  pipe->close_end(true);
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, LockSide, ::testing::ValuesIn(all_policies()), policy_name);

// A broken policy: its get_page (run under the pipe mutex) allocates through the "outside the
// lock" path, as a prefill moved under the lock would.
class AllocatesOutsideUnderTheLock final : public PagePool {
 public:
  using PagePool::PagePool;
  std::string_view name() const noexcept override { return "broken"; }
  void* get_page(PageBatch& /*burst*/) noexcept override { return alloc_outside_lock(); }
  void put_page(void* page) noexcept override { free_in_lock(page); }
};

// A broken policy of the other kind: its prefill (run before the mutex) claims to be under it.
class AllocatesInLockBeforeTheLock final : public PagePool {
 public:
  using PagePool::PagePool;
  std::string_view name() const noexcept override { return "broken"; }
  void prefill(std::size_t /*len*/, PageBatch& burst) noexcept override {
    burst.push(alloc_in_lock());
  }
  void* get_page(PageBatch& burst) noexcept override {
    return burst.empty() ? alloc_in_lock() : burst.pop();
  }
  void put_page(void* page) noexcept override { free_in_lock(page); }
};

template <class Broken>
std::uint64_t violations_after_one_write() {
  auto pipe = open_pipe(std::make_unique<Broken>(make_allocator({AllocatorKind::model, {}})));
  write_and_drain(*pipe, 8192);
  const std::uint64_t n = pipe->stats().pool.lock_violations;
  pipe->close_end(false);
  pipe->close_end(true);
  return n;
}

#ifdef PIPEPOOL_LOCK_ASSERTS
TEST(LockSideDeathTest, OutsideAllocationUnderTheMutexAborts) {
  EXPECT_DEATH(violations_after_one_write<AllocatesOutsideUnderTheLock>(),
               "alloc_outside_lock called while holding the pipe mutex");
}
TEST(LockSideDeathTest, InLockAllocationWithoutTheMutexAborts) {
  EXPECT_DEATH(violations_after_one_write<AllocatesInLockBeforeTheLock>(),
               "alloc_in_lock called without the pipe mutex");
}
#else
TEST(LockSide, OutsideAllocationUnderTheMutexIsCounted) {
  EXPECT_EQ(violations_after_one_write<AllocatesOutsideUnderTheLock>(), 2u);  // two pages
}
TEST(LockSide, InLockAllocationWithoutTheMutexIsCounted) {
  EXPECT_EQ(violations_after_one_write<AllocatesInLockBeforeTheLock>(), 1u);  // the prefill
}
#endif

}  // namespace
}  // namespace pipepool::test
