// The pipe itself: fs/pipe.c's pipe_read, pipe_write, pipe_poll, pipe_resize_ring and
// pipe_release, over a ring of page buffers whose pages come from a PagePool.
#include <poll.h>

#include <cerrno>
#include <mutex>
#include <new>
#include <vector>

#include "internal/iov_cursor.hpp"
#include "internal/pipe_ring.hpp"
#include "internal/poll_wait.hpp"

namespace pipepool {
using internal::add;
using internal::Buffer;
using internal::CopyBatch;
using internal::errno_code;
using internal::kBufCanMerge;
using internal::kBufPacket;

namespace {

std::size_t round_pipe_size(std::size_t size) noexcept {
  if (size > (std::size_t{1} << 31)) return 0;
  if (size < kPageSize) return kPageSize;
  std::size_t r = kPageSize;
  while (r < size) r <<= 1;
  return r;
}

// Parallel-mode calls of at most this many bytes copy under the mutex: one critical section
// instead of two costs less than the copy it would take out of the lock. Measured with
// scripts/ab_compare.py (docs/PERFORMANCE.md): 1/1 and 5/5 at 64 B to 4 KiB gain x1.3 to x2.
constexpr std::size_t kCopyUnderLockMax = kPipeBuf;

}  // namespace

Pipe::Pipe(std::unique_ptr<PagePool> pool, CopyMode copy)
    : impl_(std::make_unique<Impl>(std::move(pool), copy)) {}

Pipe::~Pipe() {
  // free_pipe_info: release every buffer still in the ring, then the pool frees what it keeps.
  Impl& p = *impl_;
  std::lock_guard lock(p.mutex);
  for (unsigned i = p.released; i != p.head; ++i) p.release_buffer(p.slot(i));
  p.released = p.tail = p.committed = p.head;
  p.pool->attach_lock(nullptr);  // the pool frees what it keeps with nobody else left
}

namespace {

// A parallel write's copies, made with the mutex dropped, then committed under it. Returns true
// when the commit gave readers something to read.
template <class Lock>
bool flush_write(Pipe::Impl& p, Lock& lock, internal::IovCursor& from, CopyBatch& batch,
                 internal::Wakeup& published) noexcept {
  if (batch.empty()) return false;
  internal::check_no_owed_wakeups();
  if (!batch.under_lock) lock.unlock();
  for (std::size_t i = 0; i < batch.n; ++i) {
    (void)from.copy_out(batch.items[i].page_bytes, batch.items[i].len);  // checked: no fault
  }
  if (!batch.under_lock) lock.lock();
  const bool now_readable = p.commit(batch, published);
  batch.n = 0;
  return now_readable;
}

// Waits, with `lock` (p's mutex) held, until filling every free slot would not meet an array
// entry whose page a reader still copies out (parallel mode).
template <class Lock>
void wait_entries(Pipe::Impl& p, Lock& lock) noexcept {
  p.release_wait.wait(lock, [&p] { return p.entries_cover_ring(); },
                      {false, &p.writers_running, &p.readers_running, nullptr});
}

// A parallel write that moved nothing and is interrupted on a full ring fails with EINTR only
// once the bytes that fill the ring show: a ring full of writes still copying outside the mutex
// shows them first (Impl::settle), or a later FIONREAD could find empty the ring this write found
// full. Returns true when, after that wait, the ring has room or no reader: the write goes on, as
// pipe_write does when its wait's condition holds beside a pending signal. `wake_pending` wakes
// whom the write released before it waits.
template <class Lock, class WakePending>
bool room_once_settled(Pipe::Impl& p, Lock& lock, const WakePending& wake_pending) noexcept {
  if (!p.parallel) return false;
  wake_pending();
  return p.writable_once_settled(lock);
}

// A parallel read's copies, made with the mutex dropped, then its claimed pages released.
template <class Lock>
void flush_read(Pipe::Impl& p, Lock& lock, internal::IovCursor& to, CopyBatch& batch) noexcept {
  if (batch.empty()) return;
  internal::check_no_owed_wakeups();
  if (!batch.under_lock) lock.unlock();
  for (std::size_t i = 0; i < batch.n; ++i) {
    (void)to.copy_in(batch.items[i].page_bytes, batch.items[i].len);  // checked: no fault
  }
  if (!batch.under_lock) lock.lock();
  p.release(batch);
  batch.n = 0;
}

}  // namespace

// One code path for both copy modes: the same reserve and commit steps, with the copy made at once
// under the mutex (kernel) or batched and made after dropping it (parallel). A parallel copy cannot
// fault part-way: IovCursor::copyable() tells beforehand where the kernel's copy would stop, and
// only what the kernel would have stored is reserved.
IoResult Pipe::write(std::span<const iovec> iov, bool nonblock, bool packet) noexcept {
  internal::IovCursor from(iov);
  const std::size_t total = from.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  PageBatch burst;
  PageBatch spare;
  // A write of at most a page (PIPE_BUF), which the kernel makes as one merge or one new page,
  // may go without the mutex (pipe_fast.cpp).
  bool contended = false;
  bool prefilled = false;
  if (p.fast_allowed && !packet && total <= kPageSize) {
    const Impl::FastResult fast = p.fast_write(from, total, burst, prefilled);
    if (fast == Impl::FastResult::done) {
      return p.finish(total, 0, internal::Readiness::Change::wrote);
    }
    if (fast == Impl::FastResult::nomem) return {0, errno_code(ENOMEM)};
    contended = fast == Impl::FastResult::contended;
  }
  if (!prefilled) p.pool->prefill(total, burst);

  // Woken after the mutex is dropped (declared before the lock: they also wake on unwinding).
  internal::Wakeup wake_readers;
  internal::Wakeup wake_writers;
  internal::Wakeup wake_published;  // writers whose bytes this write's commits made visible
  // Before this write waits, nobody it released may stay unwoken: they may be what it waits for
  // (a reader that frees room). Woken under the mutex: only on the way to a wait.
  const auto wake_pending = [&] {
    wake_readers.wake();
    wake_published.wake();
  };
  std::unique_lock lock(p.mutex);
  if (contended) p.shut_hold = Impl::kShutHold;
  p.writers_running.enter();
  p.pool->prefill_locked(burst);

  CopyBatch batch;
  if (p.parallel) batch.fit(p.max_usage);
  batch.under_lock = total <= kCopyUnderLockMax;
  std::size_t left = total;  // bytes not yet stored or reserved
  std::size_t copyable = p.parallel ? from.copyable() : 0;
  std::size_t ret = 0;
  int err = 0;
  bool was_empty = !p.parallel && p.empty();
  bool wake_next_writer = false;
  bool blocked = false;
  bool signal_seen = false;   // a signal handler ran while this write waited and was released
  std::uint64_t my_last = 0;  // this write's last reservation (parallel mode)

  // Starts over only when a non-blocking write found the ring full of writes still copying
  // before it reserved anything (Impl::settle).
  for (bool start_over = true; start_over;) {
    start_over = false;
    if (p.parallel && !p.entries_cover_ring()) {
      // Every critical section in which this write reserves starts with an array entry free for
      // every free slot, so it never waits between two reservations: a write shows whole or
      // splits only where the ring was full, as in fs/pipe.c, where a reader's pages are gone
      // when its read returns.
      wake_pending();
      wait_entries(p, lock);
      start_over = true;
      continue;
    }
    if (p.parallel && nonblock && !batch.under_lock && !p.fits(total)) {
      // A non-blocking write that may stop short decides its count from the room it sees, and a
      // reader may claim room before copies outside the mutex would show this write: it waits
      // until no write is unshown, then reserves, copies and shows in one critical section, as
      // fs/pipe.c does.
      if (p.published_seq < p.reserved_seq) {
        wake_pending();
        p.wait_published(lock);
        start_over = true;
        continue;
      }
      batch.under_lock = true;
    }
    if (p.readers == 0) {
      err = EPIPE;
    } else {
      // A partial-page tail may merge into the last buffer (never in packet mode).
      const std::size_t chars = total & (kPageSize - 1);
      bool done = false;
      Buffer* last = chars != 0 ? p.merge_target(chars) : nullptr;
      if (last != nullptr) {
        char* to = static_cast<char*>(last->page) + last->offset + last->len + last->pending;
        if (!p.parallel) {
          if (from.copy_out(to, chars) < chars) {
            err = EFAULT;  // a fault while merging fails the whole write
            done = true;
          } else {
            last->len += static_cast<unsigned>(chars);
          }
        } else if (copyable < chars) {
          err = EFAULT;
          done = true;
        } else {
          last->pending += static_cast<unsigned>(chars);
          ++last->copiers;
          ++last->unpublished;
          my_last = ++p.reserved_seq;
          ++p.in_flight;
          batch.push({to, p.head - 1, static_cast<unsigned>(chars)});
          copyable -= chars;
        }
        if (!done) {
          ret = chars;
          left -= chars;
          done = left == 0;
        }
      }
      while (!done) {
        // The batch holds the whole ring, which may have grown while the mutex was dropped
        // (F_SETPIPE_SZ during a wait): what the kernel copies without sleeping is reserved in one
        // critical section.
        if (p.parallel) batch.fit(p.max_usage);
        if (p.readers == 0) {
          if (ret == 0) err = EPIPE;
          break;
        }
        if (!p.full()) {
          // True only before the first reservation after the mutex was dropped (a wait for room,
          // or copies made outside it): within one critical section the entries stay covered.
          if (p.parallel && !p.entries_cover_ring()) {
            was_empty |= flush_write(p, lock, from, batch, wake_published);
            wake_pending();
            wait_entries(p, lock);
            continue;
          }
          void* page = p.pool->get_page(burst);
          if (page == nullptr) {
            if (ret == 0) err = ENOMEM;
            break;
          }
          const std::size_t want = left < kPageSize ? left : kPageSize;
          std::size_t copied = want;
          if (!p.parallel) {
            copied = from.copy_out(page, kPageSize);
            p.mutex.note_progress();
          } else if (copyable < want) {
            copied = copyable;
          }
          if (copied < want) {  // faulted: the page is not stored
            p.pool->put_page(page);
            if (ret == 0) err = EFAULT;
            break;
          }
          Buffer& buf = p.slot(p.head);
          buf.page = page;
          buf.offset = 0;
          buf.flags = packet ? kBufPacket : kBufCanMerge;
          buf.joined = false;
          if (!p.parallel) {
            buf.len = static_cast<unsigned>(copied);
            ++p.head;  // published only after the copy
            ++p.committed;
          } else {
            buf.len = 0;
            buf.pending = static_cast<unsigned>(copied);
            buf.copiers = 1;
            buf.unpublished = 1;
            // This write's previous reservation in the same critical section (a merge into the
            // last buffer, or its previous slot) shows only together with this one.
            if (!batch.empty() && batch.items[batch.n - 1].slot == p.head - 1) {
              p.slot(p.head - 1).joined = true;
            }
            my_last = ++p.reserved_seq;
            ++p.in_flight;
            batch.push({static_cast<char*>(page), p.head, static_cast<unsigned>(copied)});
            ++p.head;  // reserved; readers see it once committed
            copyable -= copied;
          }
          ret += copied;
          left -= copied;
          if (left == 0) break;
          if (batch.full()) was_empty |= flush_write(p, lock, from, batch, wake_published);
        }
        if (!p.full()) continue;
        if (nonblock) {
          // Full only because of writes still copying: EAGAIN must not reveal a write nobody can
          // see yet, so their bytes show first and this write starts over, merge decision
          // included. (A short count needs no such wait: this write returns only once the
          // writes before it show.)
          wake_pending();
          if (ret == 0 && p.settle(lock)) {
            start_over = true;
            break;
          }
          if (ret == 0) err = EAGAIN;
          break;
        }
        // Full: commit what was copied, let readers in, sleep until there is room or no reader.
        was_empty |= flush_write(p, lock, from, batch, wake_published);
        if (!p.full()) continue;
        if (signal_seen) {  // pipe_write's signal_pending() before it sleeps
          if (ret == 0 && room_once_settled(p, lock, wake_pending)) continue;
          if (ret == 0) err = EINTR;
          break;
        }
        if (!blocked) add(p.writes_blocked, 1);
        blocked = true;
        if (was_empty) p.rd_wait.take_one(wake_readers);
        internal::poll_notify();
        p.readiness.changed(internal::Readiness::Change::wrote, lock, wake_readers);
        wake_published.wake();
        // Once bytes moved, any signal handler ends the wait and the write returns its count; a
        // write that moved nothing restarts under SA_RESTART (pipe_write's -ERESTARTSYS).
        internal::WaitOptions opts{true, &p.writers_running, &p.readers_running, &wake_readers};
        opts.restartable = ret == 0;
        const internal::WaitResult r = p.wr_wait.wait(
            lock, [&p] { return p.writable(); }, opts);
        was_empty = !p.parallel && p.empty();
        wake_next_writer = true;
        if (r == internal::WaitResult::interrupted) {  // EINTR, or what was written so far
          if (ret == 0 && room_once_settled(p, lock, wake_pending)) {
            signal_seen = true;  // the handler ran: the next wait is not begun
            continue;
          }
          if (ret == 0) err = EINTR;
          break;
        }
        signal_seen = r == internal::WaitResult::signaled;
      }
    }
  }
  was_empty |= flush_write(p, lock, from, batch, wake_published);
  if (p.published_seq < my_last) {
    // This write's bytes show only after earlier writers' copies end: it returns once they do.
    if (!wake_published.empty()) {
      lock.unlock();
      wake_published.wake();
      lock.lock();
    }
    p.publish_wait.wait(lock, [&p, my_last] { return p.published_seq >= my_last; },
                        {false, &p.writers_running, &p.writers_running, &wake_readers});
  }

  if (p.full()) wake_next_writer = false;
  if (was_empty) p.rd_wait.take_one(wake_readers);
  if (wake_next_writer) p.wr_wait.take_one(wake_writers);
  p.pool->trim_locked(burst, spare);
  if (ret > 0) {
    add(p.bytes_written, ret);
    add(p.writes, 1);
  }
  p.writers_running.leave();
  lock.unlock();

  wake_readers.wake();
  wake_writers.wake();
  wake_published.wake();
  p.pool->release(spare);
  return p.finish(ret, ret > 0 ? 0 : err, internal::Readiness::Change::wrote);
}

IoResult Pipe::read(std::span<const iovec> iov, bool nonblock) noexcept {
  internal::IovCursor to(iov);
  std::size_t total = to.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  // A read of at most PIPE_BUF may go without the mutex while the ring has bytes
  // (pipe_fast.cpp); a longer one copies outside the mutex on the locked path, so that a copy
  // that stalls (a page fault) holds up no other call.
  bool contended = false;
  if (p.fast_allowed && total <= kCopyUnderLockMax) {
    std::size_t got = 0;
    const Impl::FastResult fast = p.fast_read(to, total, nonblock, got);
    if (fast == Impl::FastResult::done) {
      return p.finish(got, 0, internal::Readiness::Change::read);
    }
    contended = fast == Impl::FastResult::contended;
  }
  PageBatch none;
  PageBatch spare;
  internal::Wakeup wake_writers;  // woken after the mutex is dropped
  internal::Wakeup wake_readers;
  std::unique_lock lock(p.mutex);
  if (contended) p.shut_hold = Impl::kShutHold;
  p.readers_running.enter();

  CopyBatch batch;
  batch.under_lock = total <= kCopyUnderLockMax;
  std::size_t copyable = p.parallel ? to.copyable() : 0;
  std::size_t ret = 0;
  int err = 0;
  bool wake_writer = false;
  bool wake_next_reader = false;
  bool blocked = false;

  for (;;) {
    if (p.parallel) batch.fit(p.max_usage);  // the ring may have grown while the mutex was dropped
    if (ret == 0 && p.read_meets_copies(total)) {
      wake_writers.wake();     // nobody this read released waits behind it
      p.wait_published(lock);  // nothing is claimed yet: the copies show first
      continue;
    }
    if (!p.empty()) {
      const unsigned index = p.tail;
      Buffer& buf = p.slot(index);
      std::size_t chars = buf.len;
      if (chars > total) chars = total;
      char* src = static_cast<char*>(buf.page) + buf.offset;
      if (!p.parallel) {
        if (to.copy_in(src, chars) < chars) {
          if (ret == 0) err = EFAULT;  // faulted: this buffer stays whole in the pipe
          break;
        }
        p.mutex.note_progress();
      } else {
        if (copyable < chars) {  // the bytes before the fault land; the buffer stays whole
          if (copyable != 0) {
            ++buf.pins;
            ++p.in_flight;
            batch.push({src, index, static_cast<unsigned>(copyable)});  // stays whole
          }
          if (ret == 0) err = EFAULT;
          break;
        }
        ++buf.pins;
        ++p.in_flight;
        batch.push({src, index, static_cast<unsigned>(chars)});
        copyable -= chars;
      }
      ret += chars;
      buf.offset += static_cast<unsigned>(chars);
      buf.len -= static_cast<unsigned>(chars);
      if (buf.flags & kBufPacket) {  // one packet per read; what did not fit is dropped
        total = chars;
        buf.len = 0;
      }
      if (buf.len == 0 && buf.pending == 0) {  // claimed whole: its slot is free now
        wake_writer |= p.full();
        ++p.tail;
        if (!p.parallel) p.release_claimed();  // else its page goes once copied out
      }
      total -= chars;
      if (total == 0) break;
      if (batch.full()) flush_read(p, lock, to, batch);
      if (!p.empty()) continue;
    }
    if (p.writers == 0) break;  // EOF, or what was read so far
    if (ret != 0) break;
    if (nonblock) {
      err = EAGAIN;
      break;
    }
    if (!blocked) add(p.reads_blocked, 1);
    blocked = true;
    if (wake_writer) p.wr_wait.take_one(wake_writers);
    const internal::WaitResult r =
        p.rd_wait.wait(lock, [&p] { return !p.empty() || p.writers == 0; },
                       {true, &p.readers_running, &p.writers_running, &wake_writers});
    wake_writer = false;
    wake_next_reader = true;
    if (r == internal::WaitResult::interrupted) {  // nothing read yet: EINTR
      err = EINTR;
      break;
    }
    // `signaled` reads as `ready`: the condition holds under the mutex, so this read takes data
    // or EOF and returns without waiting again.
  }
  flush_read(p, lock, to, batch);

  if (p.empty()) wake_next_reader = false;
  if (wake_writer) p.wr_wait.take_one(wake_writers);
  if (wake_next_reader) p.rd_wait.take_one(wake_readers);
  p.pool->trim_locked(none, spare);
  if (ret > 0) {
    add(p.bytes_read, ret);
    add(p.reads, 1);
  }
  p.readers_running.leave();
  lock.unlock();

  wake_writers.wake();
  wake_readers.wake();
  p.pool->release(spare);
  return p.finish(ret, err, internal::Readiness::Change::read);
}

SizeResult Pipe::set_size(std::size_t requested, bool privileged) noexcept {
  const std::size_t size = round_pipe_size(requested);
  const unsigned nr_slots = static_cast<unsigned>(size / kPageSize);
  if (nr_slots == 0) return {0, errno_code(EINVAL)};

  Impl& p = *impl_;
  internal::Wakeup wake_writers;  // woken after the mutex is dropped
  std::unique_lock lock(p.mutex);
  if (nr_slots > p.max_usage && size > kPipeMaxSize && !privileged) {
    return {0, errno_code(EPERM)};
  }
  // Copies in flight hold ring indices: the ring moves only when none is (then released == tail
  // and committed == head).
  p.idle_wait.wait(lock, [&p] { return p.in_flight == 0; });
  const unsigned occupancy = p.head - p.tail;
  if (nr_slots < occupancy) return {0, errno_code(EBUSY)};
  if (nr_slots != p.ring_size) {
    std::vector<Buffer> bufs;
    try {
      bufs.resize(p.slots_for(nr_slots));
    } catch (const std::bad_alloc&) {
      return {0, errno_code(ENOMEM)};
    }
    for (unsigned i = 0; i < occupancy; ++i) bufs[i] = p.slot(p.tail + i);
    p.bufs.swap(bufs);
    p.tail = p.released = 0;
    p.head = p.committed = occupancy;
    p.ring_size = nr_slots;
  }
  p.max_usage = nr_slots;
  p.wr_wait.take_one(wake_writers);  // there may be room now
  lock.unlock();
  wake_writers.wake();
  internal::poll_notify();
  p.readiness.changed(internal::Readiness::Change::resized);
  return {size, {}};
}

std::size_t Pipe::size() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return std::size_t{impl_->max_usage} * kPageSize;
}

std::size_t Pipe::bytes_available() const noexcept {
  Impl& p = *impl_;
  std::lock_guard lock(p.mutex);
  std::size_t n = 0;
  for (unsigned i = p.tail; i != p.head; ++i) n += p.slot(i).len;  // reserved bytes are pending
  return n;
}

short Pipe::poll(bool writer_end) const noexcept {
  Impl& p = *impl_;
  std::unique_lock lock(p.mutex);
  if (writer_end) p.settle(lock);
  short mask = 0;
  if (!writer_end) {
    if (!p.empty()) mask |= POLLIN | POLLRDNORM;
    if (p.writers == 0) mask |= POLLHUP;
  } else {
    if (!p.full()) mask |= POLLOUT | POLLWRNORM;
    if (p.readers == 0) mask |= POLLERR;
  }
  return mask;
}

PipeStats Pipe::stats() const noexcept {
  const Impl& p = *impl_;
  PipeStats s;
  s.pool = p.pool->stats();
  s.lock = p.mutex.stats();
  s.bytes_written = p.bytes_written.load(std::memory_order_relaxed);
  s.bytes_read = p.bytes_read.load(std::memory_order_relaxed);
  s.writes = p.writes.load(std::memory_order_relaxed);
  s.reads = p.reads.load(std::memory_order_relaxed);
  s.writes_blocked = p.writes_blocked.load(std::memory_order_relaxed);
  s.reads_blocked = p.reads_blocked.load(std::memory_order_relaxed);
  return s;
}

const PagePool& Pipe::pool() const noexcept {
  return *impl_->pool;
}

unsigned Pipe::readers() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->readers;
}

unsigned Pipe::writers() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->writers;
}

internal::Readiness& Pipe::readiness() noexcept {
  return impl_->readiness;
}

CopyMode Pipe::copy_mode() const noexcept {
  return impl_->parallel ? CopyMode::parallel : CopyMode::kernel;
}

void Pipe::open_end(bool writer) noexcept {
  std::lock_guard lock(impl_->mutex);
  ++(writer ? impl_->writers : impl_->readers);
}

void Pipe::close_end(bool writer) noexcept {
  Impl& p = *impl_;
  internal::Wakeup wake_readers;  // woken after the mutex is dropped
  internal::Wakeup wake_writers;
  std::unique_lock lock(p.mutex);
  // No write straddles a close: its reservation before, its bytes showing after.
  p.idle_wait.wait(lock, [&p] { return p.in_flight == 0; });
  unsigned& count = writer ? p.writers : p.readers;
  --count;
  const bool last = count == 0;
  if (last) {  // pipe_release: the other side must see EOF / EPIPE
    p.rd_wait.take_all(wake_readers);
    p.wr_wait.take_all(wake_writers);
  }
  lock.unlock();
  wake_readers.wake();
  wake_writers.wake();
  if (last) {
    internal::poll_notify();
    p.readiness.changed(internal::Readiness::Change::closed);
  }
}

}  // namespace pipepool
