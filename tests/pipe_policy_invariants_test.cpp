// The design claims of each policy, checked from the counters with the model allocator.
#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

struct Fixture {
  std::shared_ptr<PageAllocator> allocator;
  PipePair pipe;
};

Fixture open(PolicyKind policy) {
  Fixture f;
  f.allocator = make_allocator({AllocatorKind::model, {}});
  PipeOptions o;
  o.policy = policy;
  o.allocator_instance = f.allocator;
  o.nonblocking = true;
  f.pipe = make_pipe(o);
  EXPECT_TRUE(f.pipe.ok());
  EXPECT_TRUE(f.pipe.writer.set_pipe_size(1 << 20).ok());
  return f;
}

void drain(Reader& r) {
  std::vector<std::byte> buf(1 << 16);
  while (r.read(buf).ok()) {
  }
}

TEST(PipePolicyInvariants, LegacyAllocatesAndFreesOnlyUnderTheLock) {
  auto f = open(PolicyKind::legacy);
  for (std::size_t size : {100u, 4096u, 5000u, 65536u, 200000u}) {
    ASSERT_EQ(write_bytes(f.pipe.writer, pattern(size)).count, size);
    drain(f.pipe.reader);
  }
  PoolStats s = f.pipe.writer.stats().pool;
  EXPECT_EQ(s.allocs_outside_lock, 0u);
  EXPECT_EQ(s.frees_outside_lock, 0u);
  EXPECT_GT(s.allocs_in_lock, 0u);
  EXPECT_GT(s.frees_in_lock, 0u);
  EXPECT_EQ(s.pool_size, 2u);  // tmp_page[2] full after the reads
  EXPECT_LE(s.pool_peak, 2u);
}

TEST(PipePolicyInvariants, PreallocBurstsBeforeTheLockOnlyForMultiPageWrites) {
  auto f = open(PolicyKind::prealloc);
  ASSERT_EQ(write_bytes(f.pipe.writer, pattern(4096)).count, 4096u);
  EXPECT_EQ(f.pipe.writer.stats().pool.allocs_outside_lock, 0u);
  drain(f.pipe.reader);
  ASSERT_EQ(write_bytes(f.pipe.writer, pattern(65536)).count, 65536u);
  PoolStats s = f.pipe.writer.stats().pool;
  EXPECT_EQ(s.allocs_outside_lock, 8u);  // min(16, 8) before the mutex
  EXPECT_LE(s.pool_size, 2u);
  drain(f.pipe.reader);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(write_bytes(f.pipe.writer, pattern(5 * 4096 + 7)).count, 5u * 4096 + 7);
    EXPECT_LE(f.pipe.writer.stats().pool.pool_size, 2u);
    drain(f.pipe.reader);
    EXPECT_LE(f.pipe.writer.stats().pool.pool_size, 2u);
  }
  EXPECT_LE(f.pipe.writer.stats().pool.pool_peak, 2u);
}

TEST(PipePolicyInvariants, UnifiedAllocatesOnlyWhatTheWriteNeedsMinusThePool) {
  auto f = open(PolicyKind::unified);
  // 16 pages on an empty pool: 8 prefilled outside the lock, 8 more under it.
  ASSERT_EQ(write_bytes(f.pipe.writer, pattern(65536)).count, 65536u);
  PoolStats s = f.pipe.writer.stats().pool;
  EXPECT_EQ(s.allocs_outside_lock, 8u);
  EXPECT_EQ(s.allocs_in_lock, 8u);
  EXPECT_EQ(s.pool_size, 0u);
  drain(f.pipe.reader);
  s = f.pipe.writer.stats().pool;
  EXPECT_EQ(s.pool_size, 2u);  // trimmed when the read ended
  // 16 pages again with 2 kept: 6 outside, 8 from the pool, 8 under the lock.
  ASSERT_EQ(write_bytes(f.pipe.writer, pattern(65536)).count, 65536u);
  PoolStats t = f.pipe.writer.stats().pool;
  EXPECT_EQ(t.allocs_outside_lock - s.allocs_outside_lock, 6u);
  EXPECT_EQ(t.allocs_in_lock - s.allocs_in_lock, 8u);
  EXPECT_EQ(t.pool_hits - s.pool_hits, 8u);
  drain(f.pipe.reader);
}

TEST(PipePolicyInvariants, UnifiedNeverAllocatesUnderTheLockWhenThePoolCovers) {
  auto f = open(PolicyKind::unified);
  for (int i = 0; i < 50; ++i) {
    for (std::size_t size : {1u, 100u, 4096u, 8192u, 30000u, 32768u}) {
      ASSERT_EQ(write_bytes(f.pipe.writer, pattern(size)).count, size);
      EXPECT_LE(f.pipe.writer.stats().pool.pool_size, 2u);
      drain(f.pipe.reader);
      EXPECT_LE(f.pipe.writer.stats().pool.pool_size, 2u);
    }
  }
  PoolStats s = f.pipe.writer.stats().pool;
  EXPECT_EQ(s.allocs_in_lock, 0u);  // no write needed more than 8 pages
  EXPECT_LE(s.pool_peak, 8u);
  EXPECT_EQ(s.alloc_failures, 0u);
}

TEST(PipePolicyInvariants, UnifiedNeverAllocatesAPageTheWriteDidNotNeed) {
  auto f = open(PolicyKind::unified);
  // Writes that are not drained: every page allocated is either in the ring or in the pool.
  std::size_t pages_in_ring = 0;
  for (std::size_t size : {4096u, 8192u, 12288u, 40960u}) {
    ASSERT_EQ(write_bytes(f.pipe.writer, pattern(size)).count, size);
    pages_in_ring += size / 4096;
    PoolStats s = f.pipe.writer.stats().pool;
    const std::uint64_t allocated = s.allocs_in_lock + s.allocs_outside_lock;
    const std::uint64_t freed = s.frees_in_lock + s.frees_outside_lock;
    EXPECT_EQ(allocated - freed, pages_in_ring + s.pool_size);
    EXPECT_EQ(s.pool_size, 0u);  // every page allocated went into the ring
  }
}

TEST(PipePolicyInvariants, EveryPolicyReturnsEveryPageWhenThePipeIsDestroyed) {
  for (PolicyKind policy : all_policies()) {
    std::shared_ptr<PageAllocator> allocator;
    {
      auto f = open(policy);
      allocator = f.allocator;
      ASSERT_EQ(write_bytes(f.pipe.writer, pattern(100000)).count, 100000u);
      ASSERT_EQ(read_n(f.pipe.reader, 30000).size(), 30000u);
    }
    AllocatorStats a = allocator->stats();
    EXPECT_GT(a.allocations, 0u) << to_string(policy);
    EXPECT_EQ(a.allocations, a.frees) << to_string(policy);
  }
}

}  // namespace
}  // namespace pipepool::test
