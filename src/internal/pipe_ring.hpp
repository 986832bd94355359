// The pipe's state (Pipe::Impl): the ring of buffers, its indices and the waits, shared by
// pipe.cpp (pipe_read, pipe_write, resize, poll, release) and pipe_splice.cpp (vmsplice, splice,
// tee). Every member below Impl::mutex is guarded by it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "internal/iov_cursor.hpp"
#include "internal/lane.hpp"
#include "internal/metered_mutex.hpp"
#include "internal/page_refs.hpp"
#include "internal/pipe_core.hpp"
#include "internal/pipe_mutex.hpp"
#include "internal/poll_wait.hpp"
#include "internal/readiness.hpp"
#include "internal/wait_queue.hpp"

namespace pipepool {
namespace internal {

// pipe_buffer flags we model.
constexpr unsigned kBufCanMerge = 1u << 0;  // PIPE_BUF_FLAG_CAN_MERGE
constexpr unsigned kBufPacket = 1u << 1;    // PIPE_BUF_FLAG_PACKET
// The page is in PageRefs (shared with other buffers, or owned by another pipe's allocator).
constexpr unsigned kBufShared = 1u << 2;
// `page` is the caller's memory (vmsplice into a write end): nothing to free, never merged into.
constexpr unsigned kBufUser = 1u << 3;

struct Buffer {
  void* page = nullptr;
  unsigned offset = 0;
  unsigned len = 0;  // committed bytes readers may claim
  unsigned flags = 0;
  // Parallel copies only (always 0 in kernel mode):
  unsigned pending = 0;      // bytes reserved after `len` (a new slot, merges), not yet visible
  unsigned copiers = 0;      // writer copies in flight into `pending`
  unsigned unpublished = 0;  // reservations (the slot's and merges) whose bytes are not visible
  unsigned pins = 0;         // reader copies in flight from this page
  // The write that made this buffer's last reservation continues in the next slot, in the same
  // critical section: the two show together (a write the kernel makes at once shows at once).
  bool joined = false;
  // The fast path's generation of this buffer (LastEnd::gen while it is the last buffer): a
  // reader's place in it belongs to one generation.
  unsigned gen = 0;
};

inline std::error_code errno_code(int e) noexcept {
  return {e, std::generic_category()};
}

// Adds to a counter only ever changed under the pipe mutex: a plain load and store, no atomic
// read-modify-write on the hot path; readers of stats() still see whole values.
inline void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

struct Copy {
  char* page_bytes = nullptr;  // where in the page
  unsigned slot = 0;           // free-running ring index
  unsigned len = 0;
};

// The copies a parallel read or write makes after dropping the mutex. A call claims or reserves
// everything it can in one critical section, as the kernel's pipe_read / pipe_write do under the
// mutex, so the list holds a whole ring (max_usage + 1 entries: the slots and a merge). It is the
// calling thread's own (a thread is in one pipe call at a time; pp_* calls are not
// async-signal-safe), grown under the mutex when a larger ring is met, so the hot path does not
// allocate. Should growing fail, the call copies what it has and goes on (its bytes stay in
// order; it is then no longer atomic towards other calls).
struct CopyBatch {
  std::vector<Copy>& items;
  std::size_t n = 0;
  CopyBatch() noexcept : items(thread_copies()) {}
  // Under the pipe mutex.
  void fit(std::size_t ring) noexcept {
    if (items.size() > ring) return;
    try {
      items.resize(ring + 1);
    } catch (const std::bad_alloc&) {
    }
  }
  [[nodiscard]] bool full() const noexcept { return n == items.size(); }
  [[nodiscard]] bool empty() const noexcept { return n == 0; }
  void push(const Copy& c) noexcept { items[n++] = c; }
  // Copy without dropping the mutex: a call this small costs less with one critical section
  // than with the two a copy outside the mutex needs. Same reserve and commit steps.
  bool under_lock = false;

 private:
  static std::vector<Copy>& thread_copies() noexcept {
    thread_local std::vector<Copy> copies;
    return copies;
  }
};

}  // namespace internal

// The ring, with four free-running indices: released <= tail <= committed <= head.
//   [released, tail)   buffers every byte of which readers claimed; pages still held by copies
//   [tail, committed)  committed buffers readers may claim from
//   [committed, head)  slots writers reserved and still copy into
// In kernel mode released == tail and committed == head: copies happen under the mutex, so the
// first and last ranges are always empty.
//
// Parallel mode keeps the kernel's observable order (linearizable against the kernel's
// sequential semantics, checked by tests/pipe_linearizability_test.cpp):
// - Occupancy (full, poll, resize) counts from `tail`, as the kernel's does: a claimed buffer frees
//   its slot at once. Its page stays with the reader's copy until it is released, in order, so the
//   slot array is twice the ring. Pages are released in ring order, so a slow reader holds back
//   the entries of later readers' buffers too; a writer reserves only in a critical section that
//   starts with an entry free for every free slot (entries_cover_ring), and otherwise waits for
//   the release before it reserves anything, so it never stops between two reservations.
// - Every reservation (a new slot, or a merge into the last buffer, committed or not) shows its
//   bytes in reservation order: the last buffer's pending bytes once all copies into it end, then
//   the next slots, in order. The reservations one write makes in one critical section show
//   together (Buffer::joined), as the kernel's write shows whole when there is room for it. A
//   writer returns only when its own bytes are visible (published >= its ticket), so a write
//   that returned is in the pipe for everyone.
// - A close waits for the copies in flight, so no write straddles it.
//
// Small-call fast path (docs/ARCHITECTURE.md, "Small-call fast path"): while the ring allows it
// (lanes_eligible), writes and reads of at most PIPE_BUF run without the pipe mutex, one of each
// side at a time (Lane), taking pages from and giving them back to the pool under the pool's lock
// alone. Taking the mutex shuts both lanes and folds what fast calls did into the buffers;
// dropping it reopens them when the ring is still eligible. So every code path under the mutex
// sees the ring as before.
struct Pipe::Impl {
  using Buffer = internal::Buffer;
  using CopyBatch = internal::CopyBatch;

  Impl(std::unique_ptr<PagePool> p, CopyMode copy)
      : pool(std::move(p)),
        bufs(copy == CopyMode::parallel ? 2 * kDefaultRingSize : kDefaultRingSize),
        parallel(copy == CopyMode::parallel),
        fast_allowed(parallel && pool->name() != "shrinker") {
    pool->attach_lock(&mutex.inner);
    mutex.inner.set_spinner_first(!parallel);  // fs/pipe.c's lock shape in the kernel copy mode
  }

  // The pipe mutex (the kernel's pipe->mutex): `inner` keeps the lock metrics (hold, wait,
  // contention) and knows its owner, which the pool checks. Holding it shuts the fast path.
  class RingMutex {
   public:
    explicit RingMutex(Impl& p) noexcept : p_(p) {}
    void lock() noexcept {
      inner.lock();
      p_.shut_lanes();
    }
    bool try_lock() noexcept {
      if (!inner.try_lock()) return false;
      p_.shut_lanes();
      return true;
    }
    void unlock() noexcept {
      p_.open_lanes();
      if (p_.fold_spare.empty()) {
        inner.unlock();
        return;
      }
      PageBatch spare = p_.fold_spare;  // what the fold's trim handed back: freed after unlock
      p_.fold_spare.count = 0;
      inner.unlock();
      p_.pool->release(spare);
    }
    [[nodiscard]] LockStats stats() const noexcept { return inner.stats(); }
    void note_progress() noexcept { inner.note_progress(); }

    internal::MeteredMutex<internal::PipeMutex> inner;

   private:
    Impl& p_;
  };

  // The fast path's state, each side on its own cache lines. A side's fields are changed by the
  // fast call inside its lane, or by the mutex holder while the lanes are shut.
  alignas(64) internal::Lane wlane;
  // The last buffer (internal::LastEnd): changed by the fast write, and by the fast read that
  // empties it (a compare-and-swap each, so a merge never lands in a buffer a read emptied).
  std::atomic<std::uint64_t> last_end{0};
  std::atomic<std::uint64_t> bytes_written{0};
  std::atomic<std::uint64_t> writes{0};
  alignas(64) internal::Lane rlane;
  // The reader's place (open lanes): the buffer it reads (buffers from tail to it are emptied,
  // their pages not yet released), where its unread bytes start, and the generation
  // (Buffer::gen) that place belongs to.
  unsigned read_slot = 0;
  unsigned read_off = 0;
  unsigned read_gen = 0;
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> reads{0};

  // Everything below `mutex` is guarded by it.
  alignas(64) mutable RingMutex mutex{*this};
  bool lanes_open = false;
  PageBatch fold_spare;    // pages the fold's trim_locked handed back, freed after the unlock
  unsigned shut_hold = 0;  // unlocks to come that leave the lanes shut (several callers seen)
  // Reader-side and writer-side wait state on cache lines of their own.
  alignas(64) internal::WaitQueue rd_wait;
  internal::RunningCount readers_running;  // inside read() and not waiting
  alignas(64) internal::WaitQueue wr_wait;
  internal::RunningCount writers_running;     // inside write() and not waiting
  alignas(64) internal::WaitQueue idle_wait;  // set_size waiting for the copies in flight
  internal::Readiness readiness;              // pp_event_fd descriptors; not guarded by the mutex
  std::unique_ptr<PagePool> pool;
  std::vector<Buffer> bufs;
  const bool parallel;
  // Parallel mode only (kernel mode keeps fs/pipe.c's lock shape), and not for the shrinker
  // policy, whose recency stamp is taken under its own lock at the end of every call.
  const bool fast_allowed;
  unsigned head = 0;       // free-running; next slot to fill
  unsigned committed = 0;  // free-running; end of what readers may see
  unsigned tail = 0;       // free-running; next slot to read
  unsigned released = 0;   // free-running; oldest slot whose page is still held
  unsigned ring_size = kDefaultRingSize;
  unsigned max_usage = kDefaultRingSize;
  unsigned readers = 0;
  unsigned writers = 0;
  unsigned in_flight = 0;  // copies made outside the mutex, not yet committed/released
  // Reservations made and made visible, ever (never renumbered, unlike the ring indices).
  std::uint64_t reserved_seq = 0;
  std::uint64_t published_seq = 0;
  internal::WaitQueue publish_wait;  // writers waiting for their bytes to become visible
  internal::WaitQueue release_wait;  // writers waiting for a slot array entry (parallel mode)

  std::atomic<std::uint64_t> writes_blocked{0};
  std::atomic<std::uint64_t> reads_blocked{0};

  // Slot array size: twice the ring in parallel mode (claimed slots keep their pages).
  [[nodiscard]] unsigned slots_for(unsigned ring) const noexcept {
    return parallel ? 2 * ring : ring;
  }
  [[nodiscard]] Buffer& slot(unsigned index) noexcept { return bufs[index & (bufs.size() - 1)]; }
  [[nodiscard]] const Buffer& slot(unsigned index) const noexcept {
    return bufs[index & (bufs.size() - 1)];
  }
  // Nothing a reader may claim. The tail buffer is empty only while a merge into it is copied.
  [[nodiscard]] bool empty() const noexcept { return tail == committed || slot(tail).len == 0; }
  [[nodiscard]] bool full() const noexcept { return head - tail >= max_usage; }
  // The last buffer takes a merge (fs/pipe.c's rule): mergeable and room left after what it holds
  // and what is reserved in it.
  [[nodiscard]] Buffer* merge_target(std::size_t chars) noexcept {
    if (head == tail) return nullptr;
    Buffer& last = slot(head - 1);
    if (!(last.flags & internal::kBufCanMerge) ||
        last.offset + last.len + last.pending + chars > kPageSize) {
      return nullptr;
    }
    return &last;
  }

  // Waits until every write reserved so far shows its bytes, when the ring is full and some have
  // not: a full ring is then seen by a caller only together with the bytes that filled it.
  // Returns true when it waited (the caller re-checks). The caller has no reservation pending.
  template <class Lock>
  bool settle(Lock& lock) noexcept {
    if (!parallel || !full() || published_seq >= reserved_seq) return false;
    wait_published(lock);
    return true;
  }

  // A writer may go on: the ring has a free slot, or no reader is left (pipe_write's and
  // opipe_prep's wait condition).
  [[nodiscard]] bool writable() const noexcept { return !full() || readers == 0; }
  // For a writer whose wait for room ended without it (interrupted, or non-blocking): whether the
  // ring, once every reserved write shows (settle), is writable after all. False without waiting
  // when nothing was pending.
  template <class Lock>
  bool writable_once_settled(Lock& lock) noexcept {
    return settle(lock) && writable();
  }

  // The ring has room for `total` more bytes in free slots (merges aside: a conservative answer).
  [[nodiscard]] bool fits(std::size_t total) const noexcept {
    return !full() && total <= std::size_t{max_usage - (head - tail)} * kPageSize;
  }

  // A read of `total` bytes would meet writes still copying: it would take every visible byte of
  // a buffer a merge is being copied into, or want more than is visible while reserved bytes are
  // not. Either result would show a pipe the kernel's order cannot have (a merge into a buffer
  // already emptied; a short read beside a reservation another caller already saw). `packets`:
  // the read stops at a packet's end (read(2), not splice or tee).
  [[nodiscard]] bool read_meets_copies(std::size_t total, bool packets = true) const noexcept {
    if (!parallel || published_seq >= reserved_seq) return false;
    for (unsigned i = tail; i != committed && total != 0; ++i) {
      const Buffer& buf = slot(i);
      if (buf.pending != 0 && total >= buf.len) return true;
      if (packets && (buf.flags & internal::kBufPacket)) return false;  // a read takes one packet
      total -= total < buf.len ? total : buf.len;
    }
    return total != 0;
  }

  // Waits until every reservation made so far shows its bytes (copies never block: short).
  template <class Lock>
  void wait_published(Lock& lock) noexcept {
    const std::uint64_t target = reserved_seq;
    publish_wait.wait(lock, [this, target] { return published_seq >= target; },
                      {false, nullptr, &writers_running, nullptr, false});
  }

  // Ends a write's copies and makes visible, in reservation order, what can be: the last
  // committed buffer's pending bytes (merges) once no copy into it is in flight, then the slots
  // after it whose copies ended. Returns true when readers had nothing and now have something;
  // writers waiting for their bytes to show are moved into `published`.
  bool commit(const CopyBatch& batch, internal::Wakeup& published) noexcept {
    const bool was_empty = empty();
    for (std::size_t i = 0; i < batch.n; ++i) --slot(batch.items[i].slot).copiers;
    copies_done(batch.n);
    const std::uint64_t before = published_seq;
    publish();
    if (published_seq != before) publish_wait.take_all(published);
    return was_empty && !empty();
  }

  // Shows what can be, in reservation order and a write's reservations together: the last
  // committed buffer's pending bytes once no copy into it is in flight, then each run of slots
  // one write joined once no copy into any of them is.
  void publish() noexcept {
    if (committed != tail) {  // the last committed buffer (a merge target while it is the last)
      Buffer& last = slot(committed - 1);
      if (last.unpublished != 0) {
        if (last.copiers != 0) return;
        if (last.joined && !run_ready(committed)) return;  // its write goes on in the next slot
        last.len += last.pending;
        last.pending = 0;
        published_seq += last.unpublished;
        last.unpublished = 0;
        last.joined = false;
      }
    }
    while (committed != head && run_ready(committed)) {
      bool joined = true;
      while (joined) {
        Buffer& buf = slot(committed);
        joined = buf.joined;
        buf.len = buf.pending;
        buf.pending = 0;
        published_seq += buf.unpublished;
        buf.unpublished = 0;
        buf.joined = false;
        ++committed;
      }
    }
  }

  // No copy is in flight into slot `i` or the slots a write joined to it.
  [[nodiscard]] bool run_ready(unsigned i) const noexcept {
    for (; i != head; ++i) {
      const Buffer& buf = slot(i);
      if (buf.copiers != 0) return false;
      if (!buf.joined) return true;
    }
    return false;  // not reached: a joined slot is followed by the slot its write continues in
  }

  // Drops a read's pins and frees, in order, the pages no copy uses any more.
  void release(const CopyBatch& batch) noexcept {
    for (std::size_t i = 0; i < batch.n; ++i) --slot(batch.items[i].slot).pins;
    copies_done(batch.n);
    release_claimed();
  }

  // A resize waits for the last copy in flight; it is rare, so it is woken under the mutex.
  void copies_done(std::size_t n) noexcept {
    in_flight -= static_cast<unsigned>(n);
    if (in_flight == 0 && idle_wait.has_waiters()) {
      internal::Wakeup resize;
      idle_wait.take_all(resize);
    }
  }

  void release_claimed() noexcept {
    const unsigned before = released;
    while (released != tail && slot(released).pins == 0) {
      release_buffer(slot(released));
      ++released;
    }
    if (released != before && release_wait.has_waiters()) {
      internal::Wakeup writers;  // rare: woken under the mutex
      release_wait.take_all(writers);
    }
  }

  // Drops the buffer's reference to its page (anon_pipe_put_page): a page of its own goes to the
  // pool; a shared page goes back only with its last reference, into this pool when the pool uses
  // the page's allocator, else to that allocator; the caller's memory is not ours to free.
  void release_buffer(Buffer& buf) noexcept {
    void* page = buf.page;
    buf.page = nullptr;
    if (page == nullptr || (buf.flags & internal::kBufUser) != 0) return;
    if ((buf.flags & internal::kBufShared) == 0) {
      pool->put_page(page);
      return;
    }
    const std::shared_ptr<PageAllocator> owner = internal::PageRefs::global().drop(page);
    if (!owner) return;  // still referenced elsewhere
    if (owner.get() == &pool->allocator()) {
      pool->put_page(page);
    } else {
      owner->free(page);
    }
  }

  // Zero-copy calls append whole buffers under the mutex, visible at once. They may start only
  // when every reservation shows its bytes (the buffer goes after them) and filling the ring
  // would not meet an array entry whose page a reader still copies from (so they fill every free
  // slot, as the kernel does). Always so in kernel mode.
  [[nodiscard]] bool ready_to_append() const noexcept {
    return published_seq >= reserved_seq && entries_cover_ring();
  }
  // Filling every free slot would not meet an array entry whose page a reader still copies from.
  [[nodiscard]] bool entries_cover_ring() const noexcept {
    return (tail - released) + max_usage <= bufs.size();
  }

  // The end of a call that read or wrote: with the mutex dropped, pollers and readiness
  // descriptors learn of the change when bytes moved; the result is the errno when one was set
  // (then nothing moved), else the count.
  [[nodiscard]] IoResult finish(std::size_t ret, int err,
                                internal::Readiness::Change change) noexcept {
    if (err != 0) return {0, internal::errno_code(err)};
    if (ret > 0) {
      internal::poll_notify();
      readiness.changed(change);
    }
    return {ret, {}};
  }

  // A locked call after a fast call found its lane busy: several writers or readers are in
  // calls, so the lanes stay shut for a while instead of costing two transfers per call.
  static constexpr unsigned kShutHold = 256;

  // The fast path may run: both ends open, a tail buffer with bytes and a last buffer, no copy
  // or reservation in flight, and nobody waiting (fast calls wake nobody).
  [[nodiscard]] bool lanes_eligible() const noexcept {
    return fast_allowed && readers != 0 && writers != 0 && head != tail && released == tail &&
           committed == head && published_seq == reserved_seq && in_flight == 0 &&
           slot(tail).len != 0 && !rd_wait.has_waiters() && !wr_wait.has_waiters() &&
           !publish_wait.has_waiters() && !release_wait.has_waiters() && !idle_wait.has_waiters();
  }

  // Right after taking the mutex: waits for the fast calls inside to leave, shuts them out and
  // folds what they did into the buffers: the last buffer's end, the reader's place in the tail
  // buffer, and the pages of buffers fast reads emptied (anon_pipe_read releases a buffer once
  // it is empty; a fast read that could not take the mutex, or emptied the last buffer, leaves
  // that to the next call).
  void shut_lanes() noexcept {
    if (!lanes_open) return;
    wlane.shut();
    rlane.shut();
    lanes_open = false;
    const internal::LastEnd e = internal::LastEnd::unpack(last_end.load(std::memory_order_relaxed));
    Buffer& last = slot(head - 1);
    Buffer& first = slot(read_slot);
    // A write that reused the emptied buffer put its bytes at the start of a new page.
    const unsigned start = first.gen != read_gen ? first.offset : read_off;
    last.len = e.end - last.offset;
    first.len -= start - first.offset;
    first.offset = start;
    for (unsigned i = tail; i != read_slot; ++i) slot(i).len = 0;
    const unsigned before = tail;
    while (tail != head && slot(tail).len == 0) {
      release_buffer(slot(tail));
      ++tail;
      ++released;
    }
    if (tail == before) return;
    PageBatch none;
    pool->trim_locked(none, fold_spare);  // the end of the read that emptied them
  }

  // Right before dropping the mutex: lets fast calls in when the ring allows.
  void open_lanes() noexcept {
    if (shut_hold != 0) {
      --shut_hold;
      return;
    }
    if (!lanes_eligible()) return;
    Buffer& last = slot(head - 1);
    internal::LastEnd e = internal::LastEnd::unpack(last_end.load(std::memory_order_relaxed));
    e = {head, internal::LastEnd::next_gen(e.gen), last.offset + last.len, false};
    last.gen = e.gen;
    last_end.store(e.pack(), std::memory_order_relaxed);
    read_slot = tail;
    read_off = slot(tail).offset;
    read_gen = slot(tail).gen;
    lanes_open = true;
    wlane.open();
    rlane.open();
  }

  enum class FastResult { done, locked, contended, nomem };
  // pipe_fast.cpp: a write of at most a page that merges into the last buffer or takes one new
  // page, and a read that takes what the ring holds, without the pipe mutex (the pool's calls
  // take it when the other side does not hold it); `locked` when the call must take it
  // (`contended`: another call of the same side is in the lane; `nomem`: a write found no page,
  // which fails it with ENOMEM as in pipe_write). A read counts its bytes in
  // `ret`: a read that returns `locked` moved nothing.
  // fast_write runs the pool's prefill into `burst` (and says so in `prefilled`) once it knows
  // the pool as the kernel's write would find it; the locked path goes on with that burst.
  [[nodiscard]] FastResult fast_write(internal::IovCursor& from, std::size_t total,
                                      PageBatch& burst, bool& prefilled) noexcept;
  [[nodiscard]] FastResult fast_read(internal::IovCursor& to, std::size_t total, bool nonblock,
                                     std::size_t& ret) noexcept;
  void release_read_buffers(const std::uint64_t* emptied) noexcept;
  // Appends `from` at `head`. Requires ready_to_append() and !full().
  void append(const Buffer& from) noexcept {
    Buffer& buf = slot(head);
    buf = from;
    buf.pending = buf.copiers = buf.unpublished = buf.pins = 0;
    buf.joined = false;
    ++head;
    ++committed;
  }
};

}  // namespace pipepool
