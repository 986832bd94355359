#include "lin_state.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pipepool::lin {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kMaxSize = 1024 * 1024;  // pipe-max-size
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

bool blocking_io(const Operation& op) {
  return op.blocking && (op.kind == OpKind::write || op.kind == OpKind::read);
}

// Appends `n` bytes of call `op` from `offset` to the byte runs.
void push_bytes(PipeState& p, std::size_t op, std::size_t offset, std::size_t n) {
  if (n == 0) return;
  if (!p.bytes.empty()) {
    Span& last = p.bytes.back();
    if (last.op == op && last.offset + last.len == offset) {
      last.len += static_cast<std::uint32_t>(n);
      return;
    }
  }
  p.bytes.push_back({static_cast<std::uint32_t>(op), static_cast<std::uint32_t>(offset),
                     static_cast<std::uint32_t>(n)});
}

// Removes the `n` oldest buffered bytes; when `expect` is set, they must equal it.
bool pop_bytes(PipeState& p, const History& h, std::size_t n, const std::uint8_t* expect) {
  std::size_t k = 0;
  while (n != 0) {
    if (k == p.bytes.size()) return false;
    Span& s = p.bytes[k];
    const std::size_t take = std::min<std::size_t>(n, s.len);
    if (expect != nullptr && std::memcmp(expect, h.ops[s.op].data.data() + s.offset, take) != 0) {
      return false;
    }
    if (expect != nullptr) expect += take;
    s.offset += static_cast<std::uint32_t>(take);
    s.len -= static_cast<std::uint32_t>(take);
    n -= take;
    if (s.len == 0) ++k;
  }
  p.bytes.erase(p.bytes.begin(), p.bytes.begin() + static_cast<std::ptrdiff_t>(k));
  return true;
}

// Leading bytes of a `len`-byte write that merge into the last buffer (0 when none).
std::size_t merge_bytes(const PipeState& p, std::size_t len) {
  const std::size_t tail = len % kPage;
  if (tail == 0 || p.slots.empty()) return 0;
  const SlotState& last = p.slots.back();
  if ((last.flags & (kPacketSlot | kNoMergeSlot)) != 0 || last.page_end + tail > kPage) return 0;
  return tail;
}

void merge(PipeState& p, std::size_t op, std::size_t n) {
  SlotState& last = p.slots.back();
  last.len += static_cast<std::uint32_t>(n);
  last.page_end = static_cast<std::uint16_t>(last.page_end + n);
  push_bytes(p, op, 0, n);
}

// Fills free slots with call `op`'s bytes from `at`, a page each, until `len` or the pipe is
// full; returns where it stopped.
std::size_t fill_pages(PipeState& p, std::size_t op, std::size_t at, std::size_t len, bool packet) {
  while (at < len && !p.full()) {
    const std::size_t n = std::min(kPage, len - at);
    p.slots.push_back({static_cast<std::uint32_t>(n), static_cast<std::uint16_t>(n),
                       static_cast<std::uint8_t>(packet ? kPacketSlot : 0)});
    push_bytes(p, op, at, n);
    at += n;
  }
  return at;
}

bool result_is(const Operation& op, std::int64_t count) {
  return op.error == 0 && op.result == count;
}

bool error_is(const Operation& op, int error) {
  return op.result == -1 && op.error == error;
}

// A non-blocking write: the merge and the pages that fit, in one step.
bool write_once(PipeState& p, const History& h, std::size_t i) {
  const Operation& op = h.ops[i];
  if (op.len == 0) return result_is(op, 0);
  if (p.readers == 0) return error_is(op, EPIPE);
  const std::size_t merged = merge_bytes(p, op.len);
  const std::size_t need = (op.len - merged + kPage - 1) / kPage;
  const std::size_t free_slots = p.max_slots > p.slots.size() ? p.max_slots - p.slots.size() : 0;
  const std::size_t count = need <= free_slots ? op.len : merged + free_slots * kPage;
  if (count == 0) return error_is(op, EAGAIN);
  if (!result_is(op, static_cast<std::int64_t>(count))) return false;
  if (merged != 0) merge(p, i, merged);
  (void)fill_pages(p, i, merged, count, h.packet);
  return true;
}

// Takes up to `op.len` bytes from the oldest buffers; with `packets`, a packet ends the read
// and what of it did not fit is dropped.
bool take(PipeState& p, const History& h, const Operation& op, bool packets) {
  if (op.len == 0) return result_is(op, 0);
  if (p.empty()) {
    if (p.writers == 0) return result_is(op, 0);
    return error_is(op, EAGAIN);
  }
  if (op.error != 0 || op.result <= 0 || static_cast<std::size_t>(op.result) != op.data.size()) {
    return false;
  }
  const std::uint8_t* expect = op.data.data();
  std::size_t want = op.len;
  std::size_t got = 0;
  while (want != 0 && !p.slots.empty()) {
    SlotState& front = p.slots.front();
    const std::size_t n = std::min<std::size_t>(want, front.len);
    const bool packet = packets && (front.flags & kPacketSlot) != 0;
    if (got + n > op.data.size() || !pop_bytes(p, h, n, expect + got)) return false;
    got += n;
    front.len -= static_cast<std::uint32_t>(n);
    if (packet && front.len != 0 && !pop_bytes(p, h, front.len, nullptr)) return false;
    if (packet || front.len == 0) p.slots.erase(p.slots.begin());
    want = packet ? 0 : want - n;
  }
  return got == op.data.size();
}

// vmsplice into the write end: one buffer per page the bytes touch, never merged, as many as
// there are free slots.
bool vmsplice_in(PipeState& p, std::size_t i, const Operation& op) {
  if (op.len == 0) return result_is(op, 0);
  if (p.readers == 0) return error_is(op, EPIPE);
  if (p.full()) return error_is(op, EAGAIN);
  std::size_t at = 0;
  while (at < op.len && !p.full()) {
    const std::size_t offset = (op.page_offset + at) % kPage;
    const std::size_t n = std::min(op.len - at, kPage - offset);
    p.slots.push_back(
        {static_cast<std::uint32_t>(n), static_cast<std::uint16_t>(offset + n), kNoMergeSlot});
    push_bytes(p, i, at, n);
    at += n;
  }
  return result_is(op, static_cast<std::int64_t>(at));
}

bool resize(PipeState& p, const Operation& op) {
  if (op.len > (std::size_t{1} << 31)) return error_is(op, EINVAL);
  std::size_t size = kPage;
  while (size < op.len) size *= 2;
  const std::size_t slots = size / kPage;
  if (slots > p.max_slots && size > kMaxSize) return error_is(op, EPERM);
  if (slots < p.slots.size()) return error_is(op, EBUSY);
  p.max_slots = static_cast<std::uint32_t>(slots);
  return result_is(op, static_cast<std::int64_t>(size));
}

bool close(ModelState& s, const Operation& op) {
  if (!result_is(op, 0)) return false;
  const bool writer = op.end == End::write;
  unsigned& fds = writer ? s.write_fds : s.read_fds;
  if (fds == 0) return false;  // the history closed more descriptors than it had
  if (--fds == 0) --(writer ? s.pipe.writers : s.pipe.readers);
  return true;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

std::size_t PipeState::available() const {
  std::size_t n = 0;
  for (const SlotState& s : slots) n += s.len;
  return n;
}

short PipeState::poll(bool writer_end) const {
  short mask = 0;
  if (writer_end) {
    if (!full()) mask |= POLLOUT | POLLWRNORM;
    if (readers == 0) mask |= POLLERR;
  } else {
    if (!empty()) mask |= POLLIN | POLLRDNORM;
    if (writers == 0) mask |= POLLHUP;
  }
  return mask;
}

Spec::Spec(const History& h) : h_(h), target_(h.ops.size(), kNone), seen_(h.ops.size(), 0) {
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    const Operation& sig = h.ops[i];
    if (sig.kind != OpKind::signal) continue;
    for (std::size_t j = 0; j < h.ops.size(); ++j) {
      const Operation& op = h.ops[j];
      if (j == i || op.kind == OpKind::signal || op.thread != sig.thread) continue;
      if (op.invoke < sig.invoke && sig.invoke < op.ret) {
        target_[i] = j;
        seen_[j] |= sig.restart ? kSigRestart : kSigEintr;
      }
    }
  }
}

ModelState Spec::initial() const {
  ModelState s;
  std::size_t size = kPage;
  while (size < h_.pipe_size) size *= 2;
  s.pipe.max_slots = static_cast<std::uint32_t>(size / kPage);
  s.read_fds = h_.read_fds;
  s.write_fds = h_.write_fds;
  s.calls.assign(h_.ops.size(), CallState{});
  return s;
}

// One step of a blocking write: from the start, the merge and the pages that fit; later, once
// the pipe has room or no reader, the pages that fit. It returns when it is done or the pipe has
// no reader; otherwise it sleeps on the full pipe. A handler that ran in its thread does not stop
// it (see the header: in user space a handler is seen only while the call sleeps).
bool Spec::write_step(ModelState& s, std::size_t i) const {
  const Operation& op = h_.ops[i];
  CallState& c = s.calls[i];
  PipeState& p = s.pipe;
  if (c.phase == kAsleep && p.readers != 0 && p.full()) return false;  // still asleep
  if (op.len == 0) {
    c.phase = kDone;
    return result_is(op, 0);
  }
  if (p.readers == 0) {
    c.phase = kDone;
    return c.moved != 0 ? result_is(op, c.moved) : error_is(op, EPIPE);
  }
  std::size_t at = c.moved;
  if (c.phase == kIdle) {
    at = merge_bytes(p, op.len);
    if (at != 0) merge(p, i, at);
  }
  at = fill_pages(p, i, at, op.len, h_.packet);
  c.moved = static_cast<std::uint32_t>(at);
  if (at == op.len) {
    c.phase = kDone;
    return result_is(op, static_cast<std::int64_t>(at));
  }
  // The pipe is full: the write sleeps, unless it already stored more than it returned.
  if (op.result >= 0 ? at > static_cast<std::size_t>(op.result) : at != 0) return false;
  c.phase = kAsleep;
  return true;
}

// A blocking call returns on a signal its thread's handler took before this point: a write on a
// full pipe with the bytes it moved (EINTR when none and the handler had no SA_RESTART), a read on
// an empty pipe with EINTR.
bool Spec::interrupt(ModelState& s, std::size_t i) const {
  const Operation& op = h_.ops[i];
  CallState& c = s.calls[i];
  const PipeState& p = s.pipe;
  if (!blocking_io(op) || (c.signals & kSignaled) == 0) return false;
  if (op.kind == OpKind::read) {
    if (!p.empty() || p.writers == 0 || (c.signals & kSigEintr) == 0) return false;
    c.phase = kDone;
    return error_is(op, EINTR);
  }
  if (p.readers == 0 || !p.full()) return false;
  if (c.moved == 0 && (c.signals & kSigEintr) == 0) return false;
  c.phase = kDone;
  return c.moved != 0 ? result_is(op, c.moved) : error_is(op, EINTR);
}

// A blocking call that moved nothing starts over without the signal: restarted (SA_RESTART), or
// the handler ran before the call reached the pipe.
bool Spec::restart(ModelState& s, std::size_t i) const {
  CallState& c = s.calls[i];
  if (!blocking_io(h_.ops[i]) || seen_[i] == 0 || c.moved != 0) return false;
  if (c.phase == kIdle && c.signals == 0) return false;  // nothing would change
  if (c.phase == kAsleep && (seen_[i] & kSigRestart) == 0) return false;
  c.phase = kIdle;
  c.signals = 0;
  return true;
}

bool Spec::apply(ModelState& s, std::size_t i, Move m) const {
  const Operation& op = h_.ops[i];
  CallState& c = s.calls[i];
  if (c.phase == kDone) return false;
  if (m == Move::interrupt) return interrupt(s, i);
  if (m == Move::restart) return restart(s, i);
  PipeState& p = s.pipe;
  if (op.kind == OpKind::write && op.blocking) return write_step(s, i);
  if (op.kind == OpKind::read && op.blocking) {
    // On an empty pipe with writers it waits.
    if (p.empty() && p.writers != 0 && op.len != 0) return false;
  }
  c.phase = kDone;
  switch (op.kind) {
    case OpKind::write:
      return write_once(p, h_, i);
    case OpKind::read:
      return take(p, h_, op, true);
    case OpKind::fionread:
      return result_is(op, static_cast<std::int64_t>(p.available()));
    case OpKind::poll:
      return result_is(op, p.poll(op.end == End::write));
    case OpKind::close:
      return close(s, op);
    case OpKind::vmsplice_in:
      return vmsplice_in(p, i, op);
    case OpKind::vmsplice_out:
      return take(p, h_, op, false);
    case OpKind::resize:
      return resize(p, op);
    case OpKind::signal:
      if (target_[i] != kNone && s.calls[target_[i]].phase != kDone) {
        s.calls[target_[i]].signals |= kSignaled | (op.restart ? kSigRestart : kSigEintr);
      }
      return true;
  }
  return false;
}

std::uint64_t state_hash(const ModelState& s) {
  std::uint64_t h = s.pipe.max_slots;
  h = mix(h, s.pipe.readers * 3 + s.pipe.writers);
  h = mix(h, s.read_fds * 3 + s.write_fds);
  for (const SlotState& b : s.pipe.slots) {
    h = mix(h, (std::uint64_t{b.len} << 24) | (std::uint64_t{b.page_end} << 8) | b.flags);
  }
  for (const Span& b : s.pipe.bytes) {
    h = mix(h, (std::uint64_t{b.op} << 40) ^ (std::uint64_t{b.offset} << 20) ^ b.len);
  }
  for (const CallState& c : s.calls) {
    h = mix(h, (std::uint64_t{c.moved} << 16) | (std::uint64_t{c.phase} << 8) | c.signals);
  }
  return h;
}

}  // namespace pipepool::lin
