#include "pipe_bench/verify.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace pipe_bench {
namespace {

constexpr std::uint64_t kMagic = 0x50504231;  // "PPB1"
constexpr std::size_t kChecksumOffset = 16;
constexpr std::size_t kPage = 4096;

std::uint64_t load(const std::byte* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store(std::byte* p, std::uint64_t v) noexcept {
  std::memcpy(p, &v, sizeof v);
}

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hash of every byte of the record except the checksum word.
std::uint64_t checksum(const std::byte* rec, std::size_t len) noexcept {
  std::uint64_t h = 0x6a09e667f3bcc909ULL ^ len;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    if (i == kChecksumOffset) continue;
    h = (h ^ load(rec + i)) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; i < len; ++i) h = (h ^ static_cast<std::uint64_t>(rec[i])) * 0x100000001b3ULL;
  return mix(h);
}

std::size_t round_up(std::size_t n, std::size_t to) noexcept {
  return (n + to - 1) / to * to;
}

}  // namespace

std::size_t verify_record_size(std::size_t msg_size) noexcept {
  return std::min(msg_size, kMaxRecordSize);
}

void fill_record(std::byte* rec, std::size_t len, std::uint32_t writer,
                 std::uint64_t seq) noexcept {
  store(rec, kMagic << 32 | writer);
  store(rec + 8, seq);
  store(rec + kChecksumOffset, 0);
  store(rec + 24, len);
  const std::uint64_t seed = mix(static_cast<std::uint64_t>(writer) << 40 ^ seq);
  std::size_t i = kRecordHeaderSize;
  std::uint64_t word = seed;
  for (; i + 8 <= len; i += 8, word += 0x9e3779b97f4a7c15ULL) store(rec + i, word);
  for (; i < len; ++i) rec[i] = static_cast<std::byte>(word >> (8 * (i % 8)));
  store(rec + kChecksumOffset, checksum(rec, len));
}

bool check_record(const std::byte* rec, std::size_t len, RecordId& id) noexcept {
  if (len < kRecordHeaderSize) return false;
  const std::uint64_t head = load(rec);
  if (head >> 32 != kMagic || load(rec + 24) != len) return false;
  if (load(rec + kChecksumOffset) != checksum(rec, len)) return false;
  id.writer = static_cast<std::uint32_t>(head);
  id.seq = load(rec + 8);
  return true;
}

std::string VerifyReport::describe() const {
  return fmt::format("{} records sent, {} received: {} lost, {} duplicated, {} corrupted", sent,
                     received, lost, duplicated, corrupted);
}

// At the start of the mapping; the per-writer bitmaps follow, page-aligned.
struct Ledger::Counters {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> duplicated{0};
  std::atomic<std::uint64_t> corrupted{0};
};

namespace {

// The Counters, then per writer 1 + the highest seq marked (so that finish() scans only the
// bitmap words that were touched), then the bitmaps.
constexpr std::size_t kSeqEndOffset = 64;

std::size_t counters_bytes(unsigned writers) {
  return round_up(kSeqEndOffset + sizeof(std::atomic<std::uint64_t>) * writers, kPage);
}

constexpr std::size_t kBitmapBytes = Ledger::kCapacityPerWriter / 8;

}  // namespace

std::unique_ptr<Ledger> Ledger::create(unsigned writers) {
  const std::size_t bytes = counters_bytes(writers) + kBitmapBytes * writers;
  void* mapping = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) return nullptr;
  // A fresh anonymous mapping reads as zeros: every counter and bit starts at 0.
  new (mapping) Counters{};
  return std::unique_ptr<Ledger>(new Ledger(mapping, bytes, writers));
}

Ledger::Ledger(void* mapping, std::size_t bytes, unsigned writers) noexcept
    : mapping_(mapping), bytes_(bytes), writers_(writers) {}

Ledger::~Ledger() {
  ::munmap(mapping_, bytes_);
}

Ledger::Counters& Ledger::counters() const noexcept {
  static_assert(sizeof(Counters) <= kSeqEndOffset);
  return *static_cast<Counters*>(mapping_);
}

std::atomic<std::uint64_t>* Ledger::seq_end(unsigned writer) const noexcept {
  auto* base = static_cast<std::byte*>(mapping_) + kSeqEndOffset;
  return reinterpret_cast<std::atomic<std::uint64_t>*>(base) + writer;
}

std::atomic<std::uint64_t>* Ledger::bits(unsigned writer) const noexcept {
  auto* base = static_cast<std::byte*>(mapping_) + counters_bytes(writers_);
  return reinterpret_cast<std::atomic<std::uint64_t>*>(base + kBitmapBytes * writer);
}

void Ledger::receive(const std::byte* rec, std::size_t len) noexcept {
  Counters& c = counters();
  RecordId id;
  if (!check_record(rec, len, id) || id.writer >= writers_ || id.seq >= kCapacityPerWriter) {
    c.corrupted.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  c.received.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t mask = std::uint64_t{1} << (id.seq % 64);
  if ((bits(id.writer)[id.seq / 64].fetch_or(mask, std::memory_order_relaxed) & mask) != 0) {
    c.duplicated.fetch_add(1, std::memory_order_relaxed);
  }
  auto& end = *seq_end(id.writer);
  std::uint64_t seen = end.load(std::memory_order_relaxed);
  while (seen < id.seq + 1 &&
         !end.compare_exchange_weak(seen, id.seq + 1, std::memory_order_relaxed)) {
  }
}

VerifyReport Ledger::finish(const std::vector<std::uint64_t>& sent_per_writer) const {
  const Counters& c = counters();
  VerifyReport report;
  report.received = c.received.load();
  report.duplicated = c.duplicated.load();
  report.corrupted = c.corrupted.load();
  for (unsigned w = 0; w < writers_; ++w) {
    const std::uint64_t sent = w < sent_per_writer.size() ? sent_per_writer[w] : 0;
    report.sent += sent;
    const std::uint64_t end = seq_end(w)->load();
    const std::atomic<std::uint64_t>* words = bits(w);
    std::uint64_t got = 0;      // distinct seqs in [0, sent)
    std::uint64_t phantom = 0;  // distinct seqs >= sent: never written, yet intact
    for (std::uint64_t i = 0; i < (std::max(end, std::min(sent, kCapacityPerWriter)) + 63) / 64;
         ++i) {
      const std::uint64_t word = words[i].load(std::memory_order_relaxed);
      const std::uint64_t first = i * 64;
      std::uint64_t in_range = 0;
      if (first + 64 <= sent) {
        in_range = ~std::uint64_t{0};
      } else if (first < sent) {
        in_range = (std::uint64_t{1} << (sent - first)) - 1;
      }
      got += static_cast<std::uint64_t>(std::popcount(word & in_range));
      phantom += static_cast<std::uint64_t>(std::popcount(word & ~in_range));
    }
    report.lost += sent - got;
    report.corrupted += phantom;
  }
  return report;
}

}  // namespace pipe_bench
