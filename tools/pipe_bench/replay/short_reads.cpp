#include "pipe_bench/replay/short_reads.hpp"

#include <cstdint>
#include <map>

namespace pipe_bench::replay {
namespace {

bool short_read(const PipeCall& c) {
  return c.kind == CallKind::read && c.result > 0 &&
         static_cast<std::uint64_t>(c.result) < c.requested;
}

// A call on `pipe` that a read may not pass: anything but a write on it, or a call on another
// pipe that moves bytes into or out of it.
bool touches(const PipeCall& c, std::uint64_t pipe) {
  return c.pipe == pipe ||
         ((c.kind == CallKind::splice || c.kind == CallKind::tee) && c.peer == pipe);
}

}  // namespace

std::uint64_t place_short_reads(std::vector<PipeCall>& calls) {
  struct Stream {
    std::uint64_t written = 0;  // bytes of the writes placed so far
    std::uint64_t read = 0;
  };
  std::map<std::uint64_t, Stream> streams;
  std::uint64_t moved = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const PipeCall c = calls[i];
    if (c.kind == CallKind::create) streams[c.pipe] = Stream{};
    if (c.result <= 0) continue;
    const auto bytes = static_cast<std::uint64_t>(c.result);
    switch (c.kind) {
      case CallKind::write:
      case CallKind::splice_in:
      case CallKind::vmsplice:
        streams[c.pipe].written += bytes;
        break;
      case CallKind::read:
      case CallKind::splice_out:
        streams[c.pipe].read += bytes;
        break;
      case CallKind::splice:
        streams[c.pipe].read += bytes;
        streams[c.peer].written += bytes;
        break;
      case CallKind::tee:
        streams[c.peer].written += bytes;
        break;
      default:
        break;
    }
    const Stream& s = streams[c.pipe];
    if (!short_read(c)) continue;
    // Walk back over the writes whose bytes the read did not get.
    std::uint64_t written = s.written;
    std::size_t to = i;
    for (std::size_t j = i; j-- > 0;) {
      const PipeCall& w = calls[j];
      if (!touches(w, c.pipe) || w.kind == CallKind::resume) continue;
      if (w.pipe == c.pipe && w.kind == CallKind::write && w.result <= 0) continue;
      if (w.pipe != c.pipe || w.kind != CallKind::write) break;
      const auto wrote = static_cast<std::uint64_t>(w.result);
      if (written - wrote < s.read) break;  // the read took some of these bytes
      written -= wrote;
      to = j;
    }
    if (to == i) continue;
    for (std::size_t j = i; j > to; --j) calls[j] = calls[j - 1];
    calls[to] = c;
    ++moved;
  }
  return moved;
}

}  // namespace pipe_bench::replay
