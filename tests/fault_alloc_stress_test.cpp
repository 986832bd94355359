// Page allocation failing at every Nth page (N = 1..16) under concurrency: 4 writers and 4 readers
// on one blocking packet-mode pipe of 4 slots.
//
// With O_DIRECT no buffer ever takes a merge, so every write fills whole new pages and each read
// returns one packet. The kernel's answers, which the writers check:
// - a record write of <= 4096 bytes needs one page: it returns its full length, or ENOMEM;
// - a 64 KiB write needs 16 pages: it returns k * 4096 bytes (the k pages it got before an
//   allocation failed, waiting for room between them as needed), or ENOMEM when k == 0;
// - nothing else: no EAGAIN (blocking), no EPIPE (readers outlive writers), no torn packet.
// Every byte the writers were told was written is read exactly once and nothing else is, and every
// page goes back to the allocator once the pipe is gone (LeakSanitizer checks the rest).
// `id` below is (writer << 40) | (generation << 24) | sequence number.
#include <algorithm>
#include <cstring>
#include <random>
#include <thread>
#include <tuple>

#include "pipe_test_support.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::test {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 4;
constexpr std::uint32_t kMagic = 0x50505354;  // "PPST"

// Every packet starts with this header.
struct Header {
  std::uint32_t magic;
  std::uint32_t len;  // the whole packet, header included
  std::uint64_t id;
  std::uint32_t checksum;  // FNV-1a over id, len and the payload
  std::uint32_t pad;
};

std::uint32_t fnv(std::uint32_t h, const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 16777619u;
  return h;
}

std::uint32_t packet_checksum(const Header& h, const std::byte* payload, std::size_t n) {
  std::uint32_t c = fnv(2166136261u, &h.id, sizeof h.id);
  c = fnv(c, &h.len, sizeof h.len);
  return fnv(c, payload, n);
}

// Builds one packet of `len` bytes with identity `id` at `out`.
void make_packet(std::byte* out, std::size_t len, std::uint64_t id) {
  std::byte* payload = out + sizeof(Header);
  for (std::size_t i = 0; i < len - sizeof(Header); ++i) {
    payload[i] = static_cast<std::byte>((id * 131 + i * 7) & 0xff);
  }
  Header h{kMagic, static_cast<std::uint32_t>(len), id, 0, 0};
  h.checksum = packet_checksum(h, payload, len - sizeof h);
  std::memcpy(out, &h, sizeof h);
}

// What one generation (one pipe) did: the packet ids the writers were told were written, and the
// ids the readers got.
struct Generation {
  std::vector<std::uint64_t> sent;
  std::vector<std::uint64_t> got;
};

// One pipe on `allocator`: 4 writers making `ops` writes each (every 4th one 64 KiB), 4 readers
// reading until EOF. Checks every write's result and every packet as it goes.
Generation run_generation(PolicyKind policy, std::shared_ptr<PageAllocator> allocator, unsigned gen,
                          std::size_t ops) {
  PipeOptions opt;
  opt.policy = policy;
  opt.allocator_instance = std::move(allocator);
  opt.packet = true;
  PipePair p = make_pipe(opt);
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.writer.set_pipe_size(4 * kPipeBuf).size, 4 * kPipeBuf);

  std::vector<std::vector<std::uint64_t>> acked(kWriters);
  std::vector<std::vector<std::uint64_t>> seen(kReaders);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, wr = p.writer.clone()]() mutable {
      std::mt19937 rng(gen * 100 + static_cast<unsigned>(w));
      std::vector<std::byte> buf(65536);
      std::uint64_t seq = std::uint64_t{gen} << 24;
      for (std::size_t op = 0; op < ops; ++op) {
        const std::uint64_t base = (std::uint64_t(w) << 40) | seq;
        if (op % 4 == 1) {  // 64 KiB: 16 packets of one page each
          for (std::size_t c = 0; c < 16; ++c) make_packet(&buf[c * kPipeBuf], kPipeBuf, base + c);
          seq += 16;
          const IoResult r = wr.write(buf);
          if (!r.ok()) {
            ASSERT_EQ(r.error, err(ENOMEM)) << r.error.message();
            ASSERT_EQ(r.count, 0u);
            continue;
          }
          ASSERT_GT(r.count, 0u);
          ASSERT_LE(r.count, buf.size());
          ASSERT_EQ(r.count % kPipeBuf, 0u) << "a 64 KiB write must stop at a page boundary";
          for (std::size_t c = 0; c < r.count / kPipeBuf; ++c) acked[w].push_back(base + c);
        } else {  // one record of 24..4096 bytes: all or ENOMEM
          const std::size_t len = sizeof(Header) + rng() % (kPipeBuf - sizeof(Header) + 1);
          make_packet(buf.data(), len, base);
          seq += 1;
          const IoResult r = wr.write({buf.data(), len});
          if (!r.ok()) {
            ASSERT_EQ(r.error, err(ENOMEM)) << r.error.message();
            ASSERT_EQ(r.count, 0u);
            continue;
          }
          ASSERT_EQ(r.count, len) << "a write of <= PIPE_BUF bytes is all or nothing";
          acked[w].push_back(base);
        }
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r, rd = p.reader.clone()]() mutable {
      std::vector<std::byte> buf(kPipeBuf);
      for (;;) {
        const IoResult res = rd.read(buf);
        ASSERT_TRUE(res.ok()) << res.error.message();
        if (res.count == 0) return;  // EOF: every writer is gone
        Header h;
        ASSERT_GE(res.count, sizeof h) << "torn packet";
        std::memcpy(&h, buf.data(), sizeof h);
        ASSERT_EQ(h.magic, kMagic);
        ASSERT_EQ(h.len, res.count) << "a read must return exactly one packet";
        ASSERT_EQ(h.checksum, packet_checksum(h, buf.data() + sizeof h, res.count - sizeof h))
            << "corrupted packet";
        seen[r].push_back(h.id);
      }
    });
  }
  p.writer.close();
  p.reader.close();
  for (auto& t : threads) t.join();

  Generation g;
  for (auto& v : acked) g.sent.insert(g.sent.end(), v.begin(), v.end());
  for (auto& v : seen) g.got.insert(g.got.end(), v.begin(), v.end());
  return g;
}

class FaultAllocStress : public testing::TestWithParam<std::tuple<PolicyKind, unsigned>> {};

// 16 generations of pipes share one failing allocator: each new pipe starts with an empty pool and
// must allocate, so at least 16 allocations happen and at least one of them fails, whatever the
// policy keeps between writes.
TEST_P(FaultAllocStress, AckedBytesReadExactlyOnce) {
  Watchdog watchdog;
  const auto [policy, every] = GetParam();
  auto allocator = make_allocator({AllocatorKind::model, {.fail_every = every}});
  std::vector<std::uint64_t> sent;
  std::vector<std::uint64_t> got;
  for (unsigned gen = 0; gen < 16; ++gen) {
    Generation g = run_generation(policy, allocator, gen, scaled(8));
    sent.insert(sent.end(), g.sent.begin(), g.sent.end());
    got.insert(got.end(), g.got.begin(), g.got.end());
    // The pipe is gone: every page it took went back.
    const AllocatorStats a = allocator->stats();
    ASSERT_EQ(a.allocations, a.frees) << "pages leaked by generation " << gen;
  }
  std::sort(sent.begin(), sent.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "a packet was read twice";
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent) << "read packets differ from the acknowledged ones";

  const AllocatorStats a = allocator->stats();
  EXPECT_GT(a.failures, 0u) << "no allocation failed: the test did not inject anything";
  if (every == 1) {
    EXPECT_TRUE(sent.empty()) << "no page can be had, so no write can succeed";
  } else {
    EXPECT_FALSE(sent.empty());
  }
}

std::string name(const testing::TestParamInfo<std::tuple<PolicyKind, unsigned>>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_every" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Policies, FaultAllocStress,
                         testing::Combine(testing::ValuesIn(all_policies()),
                                          testing::Range(1u, 17u)),
                         name);

}  // namespace
}  // namespace pipepool::test
