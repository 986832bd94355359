// A reference model of one Linux anonymous pipe, written from the rules of DESIGN.md §2 and
// independently of src/pipe.cpp: the pipe is a queue of buffers, each holding the unread bytes of
// one ring slot, where they end inside their page, and whether the slot is a packet or may take
// merges. No pages, no locks, no threads: the model answers what a single call returns.
//
// Contract: a caller asks plan_write() what a write would return, issues the real write, and then
// commits the count the real pipe returned (which may be a shorter, page-granular prefix when
// page allocation failed). Reads, resizes, opens and closes update the model directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace pipepool::fuzz {

inline constexpr std::size_t kModelPage = 4096;
inline constexpr std::size_t kModelMaxSize = 1024 * 1024;  // pipe-max-size

struct ModelBuffer {
  std::vector<std::uint8_t> bytes;  // unread bytes, oldest first
  std::size_t page_end = 0;         // offset inside the page just past the last byte
  bool packet = false;              // PACKET flag; otherwise CAN_MERGE unless `no_merge`
  // Never merged into: the caller's memory (vmsplice), a part of a buffer moved by splice, a tee
  // copy. A buffer spliced whole keeps the flag it had.
  bool no_merge = false;
  std::uint64_t tag = 0;  // the vmsplice segment's tag (0 otherwise); copies and parts keep it

  bool operator==(const ModelBuffer&) const = default;
};

// One vmsplice segment: where its bytes start (only the offset in the page matters) and them.
struct ModelSegment {
  std::uintptr_t address = 0;
  const std::uint8_t* bytes = nullptr;
  std::size_t len = 0;
  std::uint64_t tag = 0;  // copied into the buffers (callers track which memory stays referenced)
};

// splice(2) or tee(2) between two model pipes, always with SPLICE_F_NONBLOCK.
struct SpliceResult {
  std::size_t count = 0;
  int error = 0;  // EAGAIN, EPIPE
};

struct VmspliceResult {
  std::size_t count = 0;
  int error = 0;             // EPIPE, EAGAIN
  bool would_block = false;  // nothing was changed
};

struct WritePlan {
  std::size_t count = 0;     // what the write returns when every page allocation succeeds
  int error = 0;             // errno when it returns nothing (EPIPE, EAGAIN)
  bool would_block = false;  // a blocking write would sleep (needs more slots than are free)
  std::size_t merged = 0;    // leading bytes appended to the last buffer (no page needed)
  std::size_t pages = 0;     // new slots `count` fills
};

struct ReadResult {
  std::vector<std::uint8_t> bytes;  // what the read returns
  int error = 0;                    // EAGAIN
  bool would_block = false;         // a blocking read would sleep; nothing was changed
};

struct ResizeResult {
  std::size_t size = 0;
  int error = 0;  // EINVAL, EPERM, EBUSY
};

class PipeModel {
 public:
  PipeModel() = default;

  // What a write of `len` bytes returns if no allocation fails. Does not change the model.
  [[nodiscard]] WritePlan plan_write(std::size_t len, bool nonblock) const;
  // Applies a write of `len` bytes from `data` that returned `count` (> 0). `count` must be the
  // plan's count or plan.merged + k * 4096 for some k < plan.pages.
  void commit_write(const std::uint8_t* data, std::size_t len, std::size_t count, bool packet);

  // A read of `len` bytes; applied unless it would block.
  [[nodiscard]] ReadResult read(std::size_t len, bool nonblock);

  // vmsplice into the write end: one buffer per page each segment touches, as many as there are
  // free slots, never merged; applied unless it would block. The model copies the bytes (the
  // caller must keep the real ones unchanged until read, as the pipe references them).
  [[nodiscard]] VmspliceResult vmsplice_in(const std::vector<ModelSegment>& segs, bool nonblock);
  // vmsplice from the read end: a read without packet boundaries; applied unless it would block.
  [[nodiscard]] ReadResult vmsplice_out(std::size_t len, bool nonblock);

  // splice from this pipe into `out` (another pipe), SPLICE_F_NONBLOCK: EAGAIN when this pipe is
  // empty with writers open, EPIPE when `out` has no reader, EAGAIN when `out` is full, 0 when
  // this pipe is empty without writers. Otherwise moves buffers from the head until `len` bytes
  // moved or `out` is full: a buffer that fits whole keeps its flags; the last may be a part,
  // which never takes merges. Counts as a read here and a write into `out`.
  [[nodiscard]] SpliceResult splice_out(PipeModel& out, std::size_t len);
  // Appends one buffer moved or copied from another pipe; the caller checked that a slot is free.
  void splice_in(ModelBuffer buf);
  // tee into `out`, SPLICE_F_NONBLOCK: as splice_out, but copies buffers (each copy never takes
  // merges, the last trimmed to what is left of `len`) and consumes nothing here.
  [[nodiscard]] SpliceResult tee(PipeModel& out, std::size_t len) const;
  // Whether a buffer with vmsplice tag `tag` is still queued.
  [[nodiscard]] bool holds_tag(std::uint64_t tag) const;

  // F_SETPIPE_SZ.
  [[nodiscard]] ResizeResult resize(std::size_t bytes, bool privileged);

  void open_end(bool writer) { ++(writer ? writers_ : readers_); }
  void close_end(bool writer) { --(writer ? writers_ : readers_); }

  [[nodiscard]] std::size_t bytes_available() const;
  [[nodiscard]] std::size_t slots_used() const { return bufs_.size(); }
  [[nodiscard]] std::size_t max_slots() const { return max_slots_; }
  [[nodiscard]] bool empty() const { return bufs_.empty(); }
  [[nodiscard]] bool full() const { return bufs_.size() >= max_slots_; }
  [[nodiscard]] unsigned readers() const { return readers_; }
  [[nodiscard]] unsigned writers() const { return writers_; }
  // poll(2) revents of the read end (false) or the write end (true), <poll.h> values.
  [[nodiscard]] short poll(bool writer_end) const;
  [[nodiscard]] std::uint64_t total_written() const { return total_written_; }
  [[nodiscard]] std::uint64_t total_read() const { return total_read_; }

  // Same buffered bytes, buffer boundaries, size, open ends and totals (memoisation in lin/).
  bool operator==(const PipeModel&) const = default;

 private:
  // read() and vmsplice_out(): `packets` says whether a packet ends the read.
  [[nodiscard]] ReadResult take(std::size_t len, bool nonblock, bool packets);
  // Bytes of a `len`-byte write that would merge into the last buffer (0 when none).
  [[nodiscard]] std::size_t merge_bytes(std::size_t len) const;
  // The errno a non-blocking splice or tee into `out` fails with before moving anything, or 0.
  [[nodiscard]] int splice_prep(const PipeModel& out) const;

  std::deque<ModelBuffer> bufs_;
  std::size_t max_slots_ = 16;
  unsigned readers_ = 0;
  unsigned writers_ = 0;
  std::uint64_t total_written_ = 0;
  std::uint64_t total_read_ = 0;
};

}  // namespace pipepool::fuzz
