// A shrink running concurrently with 10 writers and 10 readers on one shrinker pipe (heap
// pages): nothing is lost, duplicated or corrupted, the pool stays within its cap, and the
// shrinker really took pages from the live pool. Run under TSan too (build-*-tsan).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "pipe_test_support.hpp"
#include "pipepool/shrinker.hpp"

namespace pipepool::test {
namespace {

constexpr int kWriters = 10;
constexpr int kReaders = 10;
constexpr std::uint32_t kWritesPerWriter = 60;
constexpr std::size_t kRecord = kPageSize;    // one record per page, never split or merged
constexpr std::size_t kWrite = 16 * kRecord;  // 64 KiB writes

struct Header {
  std::uint32_t writer;
  std::uint32_t seq;
  std::uint32_t checksum;
};

std::uint32_t checksum(const std::byte* p, std::size_t n) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<std::uint32_t>(p[i])) * 16777619u;
  return h;
}

void fill_record(std::byte* rec, std::uint32_t writer, std::uint32_t seq) {
  for (std::size_t i = sizeof(Header); i < kRecord; ++i) {
    rec[i] = static_cast<std::byte>((writer * 31 + seq * 7 + i) & 0xff);
  }
  const Header h{writer, seq, checksum(rec + sizeof(Header), kRecord - sizeof(Header))};
  std::memcpy(rec, &h, sizeof h);
}

TEST(ShrinkerConcurrent, ShrinkDuringTrafficLosesNothing) {
  PipeOptions o;
  o.policy = PolicyKind::shrinker;
  o.allocator.kind = AllocatorKind::heap;
  PipePair p = make_pipe(o);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());
  const PagePool& pool = p.reader.end()->pipe().pool();
  const std::uint64_t cap = shrinker_pool_stats(pool)->cap;

  std::atomic<int> writers_left{kWriters};
  std::atomic<bool> cap_exceeded{false};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> seen(kReaders);
  std::vector<std::uint64_t> bytes(kReaders, 0);

  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      std::vector<std::byte> buf(kWrite);
      for (std::uint32_t s = 0; s < kWritesPerWriter; ++s) {
        for (std::uint32_t r = 0; r < kWrite / kRecord; ++r) {
          fill_record(buf.data() + r * kRecord, static_cast<std::uint32_t>(w),
                      s * (kWrite / kRecord) + r);
        }
        const IoResult res = write_bytes(wr, buf);
        ASSERT_TRUE(res.ok()) << res.error.message();
        ASSERT_EQ(res.count, kWrite);
      }
      wr.close();
      writers_left.fetch_sub(1);
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r, rd = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(kWrite);
      for (;;) {
        const IoResult res = rd.read(buf);
        ASSERT_TRUE(res.ok());
        if (res.count == 0) return;
        ASSERT_EQ(res.count % kRecord, 0u) << "a read split a record";
        bytes[r] += res.count;
        for (std::size_t off = 0; off < res.count; off += kRecord) {
          Header h;
          std::memcpy(&h, buf.data() + off, sizeof h);
          ASSERT_EQ(h.checksum, checksum(buf.data() + off + sizeof h, kRecord - sizeof h))
              << "corrupted record";
          seen[r].emplace_back(h.writer, h.seq);
        }
      }
    });
  }
  p.writer.close();  // the threads' clones keep the write side open; p.reader keeps the pipe

  // The shrinker side: alternate full shrinks, small scans and pressure events until the
  // writers are done.
  std::uint64_t freed = 0;
  std::uint64_t rounds = 0;
  while (writers_left.load() > 0) {
    switch (rounds++ % 3) {
      case 0:
        freed += shrink_all();
        break;
      case 1:
        freed += shrinker_scan(3);
        break;
      default:
        freed += trigger_pressure();
        break;
    }
    if (shrinker_pool_stats(pool)->held > cap) cap_exceeded = true;
    std::this_thread::yield();
  }
  for (auto& t : threads) t.join();

  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  std::uint64_t total = 0;
  for (int r = 0; r < kReaders; ++r) {
    all.insert(all.end(), seen[r].begin(), seen[r].end());
    total += bytes[r];
  }
  const std::uint32_t records = kWritesPerWriter * (kWrite / kRecord);
  EXPECT_EQ(total, std::uint64_t{kWriters} * kWritesPerWriter * kWrite);
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), std::size_t{kWriters} * records) << "records lost or duplicated";
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].first, i / records);
    ASSERT_EQ(all[i].second, i % records);
  }
  EXPECT_FALSE(cap_exceeded.load());
  const PoolStats s = pool.stats();
  EXPECT_LE(s.pool_peak, cap);
  EXPECT_GT(shrinker_pool_stats(pool)->reclaimed, 0u) << "the shrink never ran against traffic";
  EXPECT_GE(freed, shrinker_pool_stats(pool)->reclaimed);
  // Every page allocated is either kept or was freed, by the pipe or by the shrinker.
  EXPECT_EQ(s.allocs_in_lock + s.allocs_outside_lock,
            s.frees_in_lock + s.frees_outside_lock + s.pool_size);
}

}  // namespace
}  // namespace pipepool::test
