// The sequential specification the checker linearizes against: one Linux pipe (DESIGN.md §2,
// the same rules as fuzz/pipe_model.hpp) in a compact form, the descriptors still open on each
// end, and where each call of the history stands.
//
// Buffered bytes are kept as runs of the recorded calls' own bytes (every write's bytes are
// distinct), so a state costs a few bytes per ring slot whatever the pipe's size.
//
// Blocking calls follow fs/pipe.c. A blocking write is a run of atomic steps: the first merges
// its leading len % 4096 bytes into the last buffer when it may (CAN_MERGE, room) and fills free
// slots with whole pages; when the pipe is full it sleeps, and each later step, taken once the
// pipe is not full (a read, a resize) or has no reader, again fills slots until done or full.
// So a history may split a write only where the pipe was full. A blocking read is one step,
// taken when there are bytes or no writer. Signals (OpKind::signal, a handler that ran in the
// call's thread): after its handler ran, a write interrupted while the pipe is full returns the
// bytes it stored, a read interrupted on an empty pipe fails with EINTR, as does a write that
// stored nothing, when the handler had no SA_RESTART (with SA_RESTART they start over). So every
// EINTR and every short count of a blocking write with readers left has a handler behind it,
// taken where the call had to wait. A handler does not oblige the call to stop: the kernel runs
// it when the call returns, but in user space it runs wherever the thread is, and a call sees it
// only while it sleeps (a handler during a copy or a spin goes unseen, and the call goes on).
// That a blocked call does return on a handler is checked by deterministic tests
// (tests/posix_signal_eintr_test.cpp), and a call that never returns shows as a hang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lin_history.hpp"

namespace pipepool::lin {

// One ring slot: its unread bytes, where they end in their page, and its flags.
struct SlotState {
  std::uint32_t len = 0;
  std::uint16_t page_end = 0;
  std::uint8_t flags = 0;  // kPacketSlot, kNoMergeSlot

  bool operator==(const SlotState&) const = default;
};

inline constexpr std::uint8_t kPacketSlot = 1;
inline constexpr std::uint8_t kNoMergeSlot = 2;  // vmsplice'd memory: never merged into

// `len` buffered bytes of call `op`'s data, from `offset`.
struct Span {
  std::uint32_t op = 0;
  std::uint32_t offset = 0;
  std::uint32_t len = 0;

  bool operator==(const Span&) const = default;
};

struct PipeState {
  std::vector<SlotState> slots;  // oldest first
  std::vector<Span> bytes;       // the buffered bytes in order; a call's adjacent runs joined
  std::uint32_t max_slots = 16;  // max_usage: the ring is full at this many slots
  unsigned readers = 1;
  unsigned writers = 1;

  [[nodiscard]] bool full() const { return slots.size() >= max_slots; }
  [[nodiscard]] bool empty() const { return slots.empty(); }
  [[nodiscard]] std::size_t available() const;
  [[nodiscard]] short poll(bool writer_end) const;

  bool operator==(const PipeState&) const = default;
};

inline constexpr std::uint8_t kIdle = 0;    // no step taken (or started over after a signal)
inline constexpr std::uint8_t kAsleep = 1;  // a blocking write between steps, on a full pipe
inline constexpr std::uint8_t kDone = 2;

inline constexpr std::uint8_t kSignaled = 1;    // a handler ran in the thread during the call
inline constexpr std::uint8_t kSigEintr = 2;    // ... one without SA_RESTART
inline constexpr std::uint8_t kSigRestart = 4;  // ... one with SA_RESTART

struct CallState {
  std::uint32_t moved = 0;  // a blocking write's bytes stored so far
  std::uint8_t phase = kIdle;
  std::uint8_t signals = 0;

  bool operator==(const CallState&) const = default;
};

struct ModelState {
  PipeState pipe;
  unsigned read_fds = 0;
  unsigned write_fds = 0;
  std::vector<CallState> calls;  // one per History::ops entry

  bool operator==(const ModelState&) const = default;
};

// What the search may do with a call: its next step; for a blocking call in a thread where a
// handler ran during it, returning on the interruption (the bytes moved, or EINTR); or starting
// over (a call that moved nothing: SA_RESTART, or the signal came before the call began).
enum class Move : std::uint8_t { step, interrupt, restart };
inline constexpr std::size_t kMoves = 3;

// A history with what its steps need: for each signal entry the call it interrupts (the call of
// the same thread in progress then), and for each call the kinds of handler that ran during it.
class Spec {
 public:
  explicit Spec(const History& h);

  [[nodiscard]] const History& history() const { return h_; }
  // Both ends open with the history's descriptors, the pipe empty and h.pipe_size big, no call
  // started.
  [[nodiscard]] ModelState initial() const;
  // Applies `m` of call `op` to `s`; false when the move is not possible there or the model's
  // result differs from the recorded one (count, errno, bytes, FIONREAD, revents). On false, `s`
  // is unspecified.
  [[nodiscard]] bool apply(ModelState& s, std::size_t op, Move m) const;
  // Whether a signal handler ran in call `op`'s thread while it was in progress.
  [[nodiscard]] bool signaled(std::size_t op) const { return seen_[op] != 0; }

 private:
  bool write_step(ModelState& s, std::size_t i) const;
  bool interrupt(ModelState& s, std::size_t i) const;
  bool restart(ModelState& s, std::size_t i) const;

  const History& h_;
  std::vector<std::size_t> target_;  // signal entry -> interrupted call (kNone when none)
  std::vector<std::uint8_t> seen_;   // call -> kSigEintr | kSigRestart of handlers during it
};

// A hash of `s` consistent with ==.
[[nodiscard]] std::uint64_t state_hash(const ModelState& s);

}  // namespace pipepool::lin
