#include "shared_soak/record.hpp"

#include <cstring>

namespace pipepool::shared_soak {
namespace {

constexpr std::uint32_t kMagic = 0x5053524bU;

std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Over the header with `sum` zero, then the payload.
std::uint32_t checksum(const RecordHeader& header, const std::byte* payload,
                       std::size_t n) noexcept {
  RecordHeader h = header;
  h.sum = 0;
  std::uint64_t acc = mix(h.magic ^ (std::uint64_t{h.writer} << 32));
  acc = mix(acc ^ h.seq);
  acc = mix(acc ^ h.len);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, payload + i, 8);
    acc = (acc ^ w) * 0x100000001b3ULL;
  }
  for (; i < n; ++i) acc = (acc ^ std::to_integer<std::uint64_t>(payload[i])) * 0x100000001b3ULL;
  acc = mix(acc);
  return static_cast<std::uint32_t>(acc ^ (acc >> 32));
}

}  // namespace

void make_record(std::byte* out, std::uint32_t writer, std::uint64_t seq,
                 std::size_t len) noexcept {
  RecordHeader h{kMagic, writer, seq, static_cast<std::uint32_t>(len), 0};
  std::byte* const payload = out + kRecordHeader;
  const std::size_t n = len - kRecordHeader;
  std::uint64_t state = mix((std::uint64_t{writer} << 40) ^ seq);
  for (std::size_t i = 0; i < n; i += 8) {
    state = mix(state);
    std::memcpy(payload + i, &state, n - i < 8 ? n - i : 8);
  }
  h.sum = checksum(h, payload, n);
  std::memcpy(out, &h, sizeof h);
}

RecordCheck check_record(const std::byte* in, std::size_t avail, RecordHeader& header) noexcept {
  if (avail < kRecordHeader) return RecordCheck::need_more;
  std::memcpy(&header, in, sizeof header);
  if (header.magic != kMagic || header.len < kRecordHeader || header.len > kRecordMax) {
    return RecordCheck::bad_header;
  }
  if (avail < header.len) return RecordCheck::need_more;
  const std::size_t n = header.len - kRecordHeader;
  return checksum(header, in + kRecordHeader, n) == header.sum ? RecordCheck::ok
                                                               : RecordCheck::bad_sum;
}

}  // namespace pipepool::shared_soak
