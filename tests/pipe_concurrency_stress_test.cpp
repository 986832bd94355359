// 10 writers and 10 readers on one pipe: no record lost, duplicated, torn or corrupted, and big
// writes counted byte-exact. Over 200 MB per policy in all.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "pipe_test_support.hpp"

namespace pipepool::test {
namespace {

constexpr int kWriters = 10;
constexpr int kReaders = 10;

// The full volume (> 200 MB per policy) runs in the normal build; sanitizer builds, 5-15x
// slower, run a quarter of it with the same thread counts.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t kScale = 4;
#else
constexpr std::uint32_t kScale = 1;
#endif

struct Header {
  std::uint32_t writer;
  std::uint32_t seq;
  std::uint32_t len;  // whole record, header included
  std::uint32_t checksum;
};

std::uint32_t checksum(const std::byte* p, std::size_t n) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<std::uint32_t>(p[i])) * 16777619u;
  return h;
}

void fill_record(std::vector<std::byte>& rec, std::uint32_t writer, std::uint32_t seq) {
  for (std::size_t i = sizeof(Header); i < rec.size(); ++i) {
    rec[i] = static_cast<std::byte>((writer * 31 + seq * 7 + i) & 0xff);
  }
  Header h{writer, seq, static_cast<std::uint32_t>(rec.size()),
           checksum(rec.data() + sizeof(Header), rec.size() - sizeof(Header))};
  std::memcpy(rec.data(), &h, sizeof h);
}

// Checks one record; returns its (writer, seq) or fails the test.
std::pair<std::uint32_t, std::uint32_t> check_record(const std::byte* p, std::size_t n) {
  Header h;
  EXPECT_GE(n, sizeof h);
  std::memcpy(&h, p, sizeof h);
  EXPECT_EQ(h.len, n) << "torn record";
  EXPECT_EQ(h.checksum, checksum(p + sizeof h, n - sizeof h)) << "corrupted record";
  return {h.writer, h.seq};
}

// Runs writers that each send `records` records of sizes from `size_of`, and readers that read
// with `read_size` buffers and split what they read into records of `unit` bytes (0: one record
// per read). Verifies every (writer, seq) arrives exactly once.
template <class SizeOf>
void run_records(PipePair& p, std::uint32_t records, SizeOf size_of, std::size_t read_size,
                 std::size_t unit) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> seen(kReaders);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      std::mt19937 rng(static_cast<unsigned>(w));
      std::vector<std::byte> rec;
      for (std::uint32_t s = 0; s < records; ++s) {
        rec.resize(size_of(rng));
        fill_record(rec, static_cast<std::uint32_t>(w), s);
        IoResult r = write_bytes(wr, rec);
        ASSERT_TRUE(r.ok()) << r.error.message();
        ASSERT_EQ(r.count, rec.size());
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r, rd = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(read_size);
      for (;;) {
        IoResult res = rd.read(buf);
        ASSERT_TRUE(res.ok());
        if (res.count == 0) return;
        const std::size_t step = unit == 0 ? res.count : unit;
        ASSERT_EQ(res.count % step, 0u) << "a read split a record";
        for (std::size_t off = 0; off < res.count; off += step) {
          seen[r].push_back(check_record(buf.data() + off, step));
        }
      }
    });
  }
  p.writer.close();
  p.reader.close();
  for (auto& t : threads) t.join();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  for (auto& v : seen) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), std::size_t{kWriters} * records) << "records lost or duplicated";
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].first, i / records);
    ASSERT_EQ(all[i].second, i % records);
  }
}

class PipeConcurrencyStress : public PipeTest {};

// Variable-length records (16..4096 bytes) in packet mode: each write is one packet, each read
// one packet, so every read must be one whole record. ~120 MB.
TEST_P(PipeConcurrencyStress, VariableRecordsInPacketMode) {
  auto p = make(GetParam(), false, /*packet=*/true);
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());
  run_records(
      p, 5800 / kScale, [](std::mt19937& rng) { return 16 + rng() % (4096 - 16 + 1); }, 4096, 0);
}

// 512-byte records merged into pages; 512-byte reads take exactly one record each. ~40 MB.
TEST_P(PipeConcurrencyStress, MergedFixedRecords) {
  auto p = make(GetParam());
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());
  run_records(
      p, 8000 / kScale, [](std::mt19937&) { return std::size_t{512}; }, 512, 512);
}

// 64 KiB writes, counted byte-exact. 10 x 160 x 64 KiB = 100 MiB.
TEST_P(PipeConcurrencyStress, BigWritesByteExact) {
  auto p = make(GetParam());
  ASSERT_TRUE(p.writer.set_pipe_size(1 << 20).ok());
  constexpr int kPerWriter = 160 / static_cast<int>(kScale);
  std::atomic<std::uint64_t> read_total{0};
  std::atomic<std::uint64_t> byte_sum{0};
  std::vector<std::thread> threads;
  const auto msg = pattern(65536);
  std::uint64_t msg_sum = 0;
  for (auto b : msg) msg_sum += static_cast<std::uint64_t>(b);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, wr = p.writer.clone()]() mutable {
      for (int i = 0; i < kPerWriter; ++i) ASSERT_EQ(write_bytes(wr, msg).count, msg.size());
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, rd = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(65536);
      std::uint64_t n = 0;
      std::uint64_t sum = 0;
      for (;;) {
        IoResult res = rd.read(buf);
        ASSERT_TRUE(res.ok());
        if (res.count == 0) break;
        n += res.count;
        for (std::size_t i = 0; i < res.count; ++i) sum += static_cast<std::uint64_t>(buf[i]);
      }
      read_total += n;
      byte_sum += sum;
    });
  }
  p.writer.close();
  p.reader.close();
  for (auto& t : threads) t.join();
  const std::uint64_t expected = std::uint64_t{kWriters} * kPerWriter * msg.size();
  EXPECT_EQ(read_total.load(), expected);
  EXPECT_EQ(byte_sum.load(), msg_sum * kWriters * kPerWriter);
}

PIPEPOOL_ALL_POLICIES(PipeConcurrencyStress);

}  // namespace
}  // namespace pipepool::test
