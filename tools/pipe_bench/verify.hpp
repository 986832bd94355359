// --verify: writers send sequence-numbered, checksummed records; readers check each one and mark
// it in a ledger, which at the end tells lost, duplicated and corrupted records apart.
//
// Record layout (little-endian words; a record is one write, so it must be atomic: <= 4096 bytes):
//   [0]  u64  magic (high 32 bits) | writer id (low 32 bits)
//   [8]  u64  sequence number, 0, 1, 2, ... per writer
//   [16] u64  checksum of every other byte of the record
//   [24] u64  record length in bytes
//   [32] payload derived from (writer, seq)
// The ledger lives in a MAP_SHARED mapping, so readers in forked processes mark the same bits.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipe_bench {

inline constexpr std::size_t kRecordHeaderSize = 32;
inline constexpr std::size_t kMaxRecordSize = 4096;  // PIPE_BUF: larger writes are not atomic

// The record size --verify uses for a --msg-size: min(msg_size, 4096).
[[nodiscard]] std::size_t verify_record_size(std::size_t msg_size) noexcept;

// Writes record `seq` of `writer` into rec[0, len). len >= kRecordHeaderSize.
void fill_record(std::byte* rec, std::size_t len, std::uint32_t writer, std::uint64_t seq) noexcept;

struct RecordId {
  std::uint32_t writer = 0;
  std::uint64_t seq = 0;
};
// True when rec[0, len) is an intact record of length `len`; then `id` says whose it is.
[[nodiscard]] bool check_record(const std::byte* rec, std::size_t len, RecordId& id) noexcept;

struct VerifyReport {
  std::uint64_t sent = 0;        // records the writers completed
  std::uint64_t received = 0;    // intact records the readers got, duplicates included
  std::uint64_t lost = 0;        // sent but never received intact
  std::uint64_t duplicated = 0;  // received more than once
  std::uint64_t corrupted = 0;   // failed the checksum, had a bad length, or named an unsent seq
  [[nodiscard]] bool ok() const noexcept { return lost == 0 && duplicated == 0 && corrupted == 0; }
  // "1000 records: 0 lost, 0 duplicated, 1 corrupted".
  [[nodiscard]] std::string describe() const;
};

// One bit per (writer, seq) in a shared anonymous mapping (reserved, not committed: only the
// pages that hold set bits use memory).
class Ledger {
 public:
  static constexpr std::uint64_t kCapacityPerWriter = std::uint64_t{1} << 28;  // records

  // nullptr when the mapping fails.
  [[nodiscard]] static std::unique_ptr<Ledger> create(unsigned writers);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // A reader got rec[0, len): checks it and marks it. Thread- and process-safe.
  void receive(const std::byte* rec, std::size_t len) noexcept;
  // After every reader is done: compares what was marked with what each writer sent.
  [[nodiscard]] VerifyReport finish(const std::vector<std::uint64_t>& sent_per_writer) const;

 private:
  struct Counters;
  Ledger(void* mapping, std::size_t bytes, unsigned writers) noexcept;
  [[nodiscard]] Counters& counters() const noexcept;
  [[nodiscard]] std::atomic<std::uint64_t>* seq_end(unsigned writer) const noexcept;
  [[nodiscard]] std::atomic<std::uint64_t>* bits(unsigned writer) const noexcept;

  void* mapping_;
  std::size_t bytes_;
  unsigned writers_;
};

}  // namespace pipe_bench
