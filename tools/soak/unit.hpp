// The self-describing units the soak writes: a record (one packet of 32..4096 bytes) or one page
// of a 64 KiB stream write. Each starts with a header naming its writer and sequence number and
// carrying a checksum over the header fields and the payload, so a reader can check every unit it
// gets on its own: torn, corrupted, duplicated or missing units are all detectable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pipepool::soak {

inline constexpr std::uint32_t kUnitMagic = 0x4b414f53;  // "SOAK"
inline constexpr std::size_t kPage = 4096;

enum class UnitKind : std::uint16_t { record = 1, page = 2 };

struct UnitHeader {
  std::uint32_t magic;
  UnitKind kind;
  std::uint16_t writer;
  std::uint32_t len;  // the whole unit, header included
  std::uint32_t reserved;
  std::uint64_t seq;
  std::uint64_t checksum;
};
static_assert(sizeof(UnitHeader) == 32);

inline constexpr std::size_t kMinUnit = sizeof(UnitHeader);

namespace detail {

inline std::uint64_t mix(std::uint64_t h, std::uint64_t w) {
  h ^= w;
  h *= 0x100000001b3ull;
  return h ^ (h >> 29);
}

inline std::uint64_t header_seed(const UnitHeader& h) {
  std::uint64_t s = mix(0xcbf29ce484222325ull, h.seq);
  s = mix(s, (std::uint64_t{h.writer} << 32) | h.len);
  return mix(s, static_cast<std::uint64_t>(h.kind));
}

}  // namespace detail

// Checksum of a unit whose header is `h` and payload `payload[0..n)`.
inline std::uint64_t unit_checksum(const UnitHeader& h, const unsigned char* payload,
                                   std::size_t n) {
  std::uint64_t c = detail::header_seed(h);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, payload + i, 8);
    c = detail::mix(c, w);
  }
  for (; i < n; ++i) c = detail::mix(c, payload[i]);
  return c;
}

// Writes a unit of `len` bytes (kMinUnit <= len <= kPage) at `out`, with pseudo-random payload.
inline void make_unit(unsigned char* out, UnitKind kind, std::uint16_t writer, std::uint64_t seq,
                      std::size_t len) {
  UnitHeader h{kUnitMagic, kind, writer, static_cast<std::uint32_t>(len), 0, seq, 0};
  unsigned char* payload = out + sizeof h;
  const std::size_t n = len - sizeof h;
  std::uint64_t x = detail::header_seed(h) | 1;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    std::memcpy(payload + i, &x, 8);
  }
  for (; i < n; ++i) payload[i] = static_cast<unsigned char>(x >> (i % 8 * 8));
  h.checksum = unit_checksum(h, payload, n);
  std::memcpy(out, &h, sizeof h);
}

}  // namespace pipepool::soak
