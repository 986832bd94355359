// The records of the shared-pipe soak: at most PIPE_BUF bytes each, so a write of one record is
// atomic between processes. A record is a header (magic, writer id, sequence, length, checksum)
// and a payload derived from the writer id and the sequence; the checksum covers both, so a
// record cut short, spliced with another or overwritten fails the check.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipepool::shared_soak {

inline constexpr std::size_t kRecordHeader = 24;
inline constexpr std::size_t kRecordMax = 4096;  // PIPE_BUF

struct RecordHeader {
  std::uint32_t magic;
  std::uint32_t writer;
  std::uint64_t seq;
  std::uint32_t len;  // the whole record, header included
  std::uint32_t sum;
};
static_assert(sizeof(RecordHeader) == kRecordHeader);

// Fills `out[0, len)` with the record (kRecordHeader <= len <= kRecordMax).
void make_record(std::byte* out, std::uint32_t writer, std::uint64_t seq, std::size_t len) noexcept;

enum class RecordCheck { ok, need_more, bad_header, bad_sum };
// Checks the record at the start of `in[0, avail)`. need_more: its header or body is not all
// there yet (`header` holds the header when avail >= kRecordHeader).
[[nodiscard]] RecordCheck check_record(const std::byte* in, std::size_t avail,
                                       RecordHeader& header) noexcept;

}  // namespace pipepool::shared_soak
