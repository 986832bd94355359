// The small-call fast path (docs/ARCHITECTURE.md, "Small-call fast path"): while the lanes are
// open, one write of at most a page and one read at a time run without the pipe mutex. Each side
// keeps to its end of the ring: the writer merges into the last buffer or appends one, the reader
// takes bytes from the tail buffer and releases the buffers it empties. The pages come from the
// pool as in the locked path (get_page, put_page, trim_locked under the pool's lock, the pipe
// mutex's inner lock, taken with try_lock so that a mutex holder shutting the lanes never waits
// for a fast call that waits for it); whatever cannot be done that way goes to the locked path.
#include <chrono>

#include "internal/pipe_ring.hpp"

namespace pipepool {

using internal::LastEnd;

namespace {

// How long a read that finds the ring empty waits for the writer's next bytes inside its lane
// before it takes the locked path (which spins again, then sleeps).
constexpr std::chrono::nanoseconds kEmptySpin{5000};

Pipe::Impl::FastResult entry_result(internal::Lane::Entry e) noexcept {
  return e == internal::Lane::Entry::busy ? Pipe::Impl::FastResult::contended
                                          : Pipe::Impl::FastResult::locked;
}

// How many times a fast call tries the pool's lock while the other side's fast call holds it.
constexpr unsigned kPoolLockTries = 64;

// Under the pool's lock, without shutting the lanes: the other side's fast call may run, and
// touches neither the pool nor the ring slots this side changes. The lock is tried a few times
// (the other side's fast call holds it for one pool call) and given up as soon as a mutex holder
// wants this side's lane, which it shuts holding the lock.
class PoolLock {
 public:
  PoolLock(Pipe::Impl& p, const internal::Lane& lane) noexcept : p_(p), held_(take(p, lane)) {}
  PoolLock(const PoolLock&) = delete;
  PoolLock& operator=(const PoolLock&) = delete;
  ~PoolLock() {
    if (!held_) return;
    p_.mutex.inner.unlock();
    p_.pool->release(spare_);
  }
  [[nodiscard]] bool held() const noexcept { return held_; }
  // The end of a call's pool work (trim_locked; its frees happen after the unlock).
  void trim(PageBatch& burst) noexcept { p_.pool->trim_locked(burst, spare_); }
  // The end of the read that emptied the last buffer, when that read did not release its page:
  // the page back to the pool, the pool trimmed.
  void release_emptied(Pipe::Impl::Buffer& last) noexcept {
    if (last.page == nullptr) return;
    p_.release_buffer(last);
    PageBatch none;
    trim(none);
  }

 private:
  static bool take(Pipe::Impl& p, const internal::Lane& lane) noexcept {
    for (unsigned i = 0; i < kPoolLockTries && !lane.wanted(); ++i) {
      if (p.mutex.inner.try_lock()) return true;
      internal::cpu_relax();
    }
    return false;
  }

  Pipe::Impl& p_;
  bool held_;
  PageBatch spare_;
};

}  // namespace

Pipe::Impl::FastResult Pipe::Impl::fast_write(internal::IovCursor& from, std::size_t total,
                                              PageBatch& burst, bool& prefilled) noexcept {
  prefilled = false;
  if (const auto e = wlane.try_enter(); e != internal::Lane::Entry::entered) {
    return entry_result(e);
  }
  if (from.copyable() < total) {  // a fault: the locked path tells how much the kernel stores
    wlane.leave();
    return FastResult::locked;
  }
  // Sequentially consistent after the lane's entry: a read that empties the last buffer and then
  // finds this lane not busy may release its page (fast_read).
  std::uint64_t word = last_end.load(std::memory_order_seq_cst);
  LastEnd e = LastEnd::unpack(word);
  Buffer& last = slot(e.head - 1);  // the lanes are open only with a last buffer
  if (e.emptied && !e.released) {
    // The read that emptied the last buffer has not released its page (it could not take the
    // pool's lock, or is about to): this write makes sure it is, as that read would have (back
    // in the pool, the pool trimmed) before its prefill looks at the pool.
    PoolLock lock(*this, wlane);
    if (!lock.held()) {
      wlane.leave();
      return FastResult::locked;
    }
    lock.release_emptied(last);
  }
  pool->prefill(total, burst);
  prefilled = true;
  if (!burst.empty()) {  // the locked path pushes the burst into the pool (prefill_locked)
    wlane.leave();
    return FastResult::locked;
  }
  // pipe_write: a partial page merges whole into a mergeable last buffer with room for it.
  if (!e.emptied && total < kPageSize && (last.flags & internal::kBufCanMerge) != 0 &&
      e.end + total <= kPageSize) {
    const internal::IovCursor start = from;
    (void)from.copy_out(static_cast<char*>(last.page) + e.end, total);  // checked: no fault
    const LastEnd merged{e.head, e.gen, e.end + static_cast<unsigned>(total), false};
    if (last_end.compare_exchange_strong(word, merged.pack(), std::memory_order_release,
                                         std::memory_order_acquire)) {
      internal::add(bytes_written, total);
      internal::add(writes, 1);
      wlane.leave();
      return FastResult::done;
    }
    e = LastEnd::unpack(word);  // a read emptied the buffer meanwhile: the bytes go to a new page
    from = start;
  }
  LastEnd next{};
  void* page = nullptr;
  bool full = false;
  {
    PoolLock lock(*this, wlane);
    if (!lock.held()) {
      wlane.leave();
      return FastResult::locked;
    }
    if (e.emptied) {
      // The ring is empty: this write starts a new page. The slot is reused (head and tail
      // would both move by one, which changes no count).
      lock.release_emptied(last);  // the read emptied it after this write looked
      page = pool->get_page(burst);
      next = {e.head, LastEnd::next_gen(e.gen), 0, page == nullptr};
      last = Buffer{};  // without a page: empty, released by the next locked call
      last.page = page;
      last.flags = internal::kBufCanMerge;
      last.gen = next.gen;
    } else {
      const unsigned t = std::atomic_ref<unsigned>(tail).load(std::memory_order_acquire);
      full = e.head - t >= max_usage;
      if (!full) page = pool->get_page(burst);
      next = {e.head + 1, LastEnd::next_gen(e.gen), 0, false};
      if (page != nullptr) {
        last.len = e.end - last.offset;  // final: readers take it once head moves past it
        Buffer& buf = slot(e.head);
        buf = Buffer{};
        buf.page = page;
        buf.flags = internal::kBufCanMerge;
        buf.gen = next.gen;
        ++head;
        ++committed;
      }
    }
    lock.trim(burst);
  }
  if (page == nullptr) {
    if (e.emptied) last_end.store(next.pack(), std::memory_order_release);
    wlane.leave();
    // pipe_write: no page for a new slot fails the write that stored nothing; a full ring is the
    // locked path's (it waits, or fails with EAGAIN).
    return full ? FastResult::locked : FastResult::nomem;
  }
  (void)from.copy_out(page, total);  // checked: no fault
  next.end = static_cast<unsigned>(total);
  last_end.store(next.pack(), std::memory_order_release);
  internal::add(bytes_written, total);
  internal::add(writes, 1);
  wlane.leave();
  return FastResult::done;
}

// The buffers a fast read emptied go back to the pool, with one trim, as at the end of
// anon_pipe_read: those before read_slot (the writer went on past them), and the last buffer when
// the read emptied it (`emptied`: the word it stored; a write that reused the buffer since, under
// the same lock, changed the buffer's generation). When the pool's lock is not to be had, the next
// write (for the last buffer), the next read or the next locked call releases them; until then a
// writer counts them as full slots, so it takes the locked path a little early, never late.
void Pipe::Impl::release_read_buffers(const std::uint64_t* emptied) noexcept {
  if (tail == read_slot && emptied == nullptr) return;
  PoolLock lock(*this, rlane);
  if (!lock.held()) return;
  for (unsigned i = tail; i != read_slot; ++i) release_buffer(slot(i));
  if (emptied != nullptr) {
    LastEnd e = LastEnd::unpack(*emptied);
    Buffer& last = slot(read_slot);
    if (last.gen == e.gen && last.page != nullptr) {
      release_buffer(last);
      // Tell the next write, unless it already went on (it then saw the page released).
      e.released = true;
      std::uint64_t seen = *emptied;
      (void)last_end.compare_exchange_strong(seen, e.pack(), std::memory_order_release,
                                             std::memory_order_relaxed);
    }
  }
  PageBatch none;
  lock.trim(none);
  if (tail == read_slot) return;
  released = read_slot;
  std::atomic_ref<unsigned>(tail).store(read_slot, std::memory_order_release);
}

Pipe::Impl::FastResult Pipe::Impl::fast_read(internal::IovCursor& to, std::size_t total,
                                             bool nonblock, std::size_t& ret) noexcept {
  ret = 0;
  if (const auto e = rlane.try_enter(); e != internal::Lane::Entry::entered) {
    return entry_result(e);
  }
  if (to.copyable() < total) {
    rlane.leave();
    return FastResult::locked;
  }
  std::chrono::steady_clock::time_point spin_until{};
  bool emptied_last = false;
  std::uint64_t emptied_word = 0;
  for (unsigned spins = 0;;) {
    const std::uint64_t word = last_end.load(std::memory_order_acquire);
    const LastEnd e = LastEnd::unpack(word);
    Buffer& buf = slot(read_slot);
    const bool is_last = e.head == read_slot + 1;
    // A write may have reused the emptied buffer for a new page. While the buffer is the last one
    // its generation is the word's (its fields may be changing); once a write moved past it,
    // they are final.
    const unsigned gen = is_last ? e.gen : buf.gen;
    if (gen != read_gen) {
      read_off = buf.offset;
      read_gen = gen;
    }
    const unsigned end = is_last ? (e.emptied ? read_off : e.end) : buf.offset + buf.len;
    if (end == read_off) {
      if (!is_last) {  // emptied, and the writer went on in the next buffer
        ++read_slot;
        read_off = slot(read_slot).offset;
        read_gen = slot(read_slot).gen;
        continue;
      }
      // Nothing to read. A read that has bytes returns them; one that has none waits here a
      // little for the writer, unless a mutex holder wants the lane.
      if (ret != 0 || nonblock || rlane.wanted()) break;
      if ((++spins & 63) == 0) {
        const auto now = std::chrono::steady_clock::now();
        if (spins == 64) {
          spin_until = now + kEmptySpin;
        } else if (now >= spin_until) {
          break;
        }
      }
      internal::cpu_relax();
      continue;
    }
    // anon_pipe_read: a packet is read whole or cut to the read's size, and ends the read.
    const bool packet = (buf.flags & internal::kBufPacket) != 0;
    const std::size_t want = total - ret;
    const unsigned n = want < end - read_off ? static_cast<unsigned>(want) : end - read_off;
    (void)to.copy_in(static_cast<const char*>(buf.page) + read_off, n);  // checked: no fault
    read_off = packet ? end : read_off + n;
    ret += n;
    if (read_off == end && is_last) {
      // Emptied: its page is released at the end of this read; the next write starts a new
      // page. A write that merged meanwhile keeps it (this read then took the bytes before the
      // merge).
      LastEnd emptied = e;
      emptied.emptied = true;
      std::uint64_t seen = word;
      // The read releases the page itself unless a write is inside its lane: that write may
      // be copying into the page after what it loaded before the buffer was emptied, and
      // releases the page itself when its compare-and-swap fails (or its next call does).
      if (last_end.compare_exchange_strong(seen, emptied.pack(), std::memory_order_seq_cst,
                                           std::memory_order_relaxed) &&
          !wlane.busy()) {
        emptied_last = true;
        emptied_word = emptied.pack();
      }
    }
    if (packet || ret == total) break;
  }
  release_read_buffers(emptied_last ? &emptied_word : nullptr);
  if (ret == 0) {
    rlane.leave();
    return FastResult::locked;
  }
  internal::add(bytes_read, ret);
  internal::add(reads, 1);
  rlane.leave();
  return FastResult::done;
}

}  // namespace pipepool
