// The pipe itself: fs/pipe.c's pipe_read, pipe_write, pipe_poll, pipe_resize_ring and
// pipe_release, over a ring of page buffers whose pages come from a PagePool.
#include "pipepool/pipe.hpp"

#include <poll.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <new>
#include <vector>

#include "internal/iov_cursor.hpp"
#include "internal/metered_mutex.hpp"
#include "internal/page_refs.hpp"
#include "internal/pipe_mutex.hpp"
#include "internal/poll_wait.hpp"
#include "internal/wait_queue.hpp"

namespace pipepool {
namespace {

// pipe_buffer flags we model.
constexpr unsigned kBufCanMerge = 1u << 0;  // PIPE_BUF_FLAG_CAN_MERGE
constexpr unsigned kBufPacket = 1u << 1;    // PIPE_BUF_FLAG_PACKET
// The page is in internal::PageRefs (shared with other buffers, or owned by another allocator).
constexpr unsigned kBufShared = 1u << 2;
// `page` is the caller's memory (vmsplice into a write end): nothing to free, never merged.
constexpr unsigned kBufUser = 1u << 3;

struct Buffer {
  void* page = nullptr;
  unsigned offset = 0;
  unsigned len = 0;  // committed bytes readers may claim
  unsigned flags = 0;
  // Parallel copies only (always 0/false in kernel mode):
  unsigned pending = 0;  // bytes reserved by a writer, not yet committed (a new slot or a merge)
  unsigned pins = 0;     // reader copies in flight from this page
  bool ready = false;    // a reserved slot whose copy is done, waiting for its in-order commit
};

std::error_code errno_code(int e) noexcept {
  return {e, std::generic_category()};
}

std::size_t round_pipe_size(std::size_t size) noexcept {
  if (size > (std::size_t{1} << 31)) return 0;
  if (size < kPageSize) return kPageSize;
  std::size_t r = kPageSize;
  while (r < size) r <<= 1;
  return r;
}

// Adds to a counter only ever changed under the pipe mutex: a plain load and store, no atomic
// read-modify-write on the hot path; readers of stats() still see whole values.
void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Copies a parallel read or write makes after dropping the mutex, flushed in batches.
constexpr std::size_t kBatch = 16;

struct Copy {
  char* page_bytes = nullptr;  // where in the page
  unsigned slot = 0;           // free-running ring index
  unsigned len = 0;
  bool merge = false;  // a write's merge into a committed buffer
};

struct CopyBatch {
  std::array<Copy, kBatch> items{};
  std::size_t n = 0;
  [[nodiscard]] bool full() const noexcept { return n == kBatch; }
  [[nodiscard]] bool empty() const noexcept { return n == 0; }
  void push(const Copy& c) noexcept { items[n++] = c; }
};

}  // namespace

// The ring, with four free-running indices: released <= tail <= committed <= head.
//   [released, tail)   buffers every byte of which readers claimed; pages still held by copies
//   [tail, committed)  committed buffers readers may claim from
//   [committed, head)  slots writers reserved and still copy into
// In kernel mode released == tail and committed == head: copies happen under the mutex, so the
// first and last ranges are always empty. Occupancy (full, resize) counts from `released`, so a
// page is reused only after the copy out of it; readers see only the committed prefix.
struct Pipe::Impl {
  Impl(std::unique_ptr<PagePool> p, CopyMode copy)
      : pool(std::move(p)), bufs(kDefaultRingSize), parallel(copy == CopyMode::parallel) {
    pool->attach_lock(&mutex);
  }

  // Everything below `mutex` is guarded by it (the kernel's pipe->mutex). It also keeps the lock
  // metrics (hold, wait, contention) and knows its owner, which the pool checks.
  mutable internal::MeteredMutex<internal::PipeMutex> mutex;
  // Reader-side and writer-side wait state on cache lines of their own.
  alignas(64) internal::WaitQueue rd_wait;
  internal::RunningCount readers_running;  // inside read() and not waiting
  alignas(64) internal::WaitQueue wr_wait;
  internal::RunningCount writers_running;     // inside write() and not waiting
  alignas(64) internal::WaitQueue idle_wait;  // set_size waiting for the copies in flight
  std::unique_ptr<PagePool> pool;
  std::vector<Buffer> bufs;
  const bool parallel;
  unsigned head = 0;       // free-running; next slot to fill
  unsigned committed = 0;  // free-running; end of what readers may see
  unsigned tail = 0;       // free-running; next slot to read
  unsigned released = 0;   // free-running; oldest slot whose page is still held
  unsigned ring_size = kDefaultRingSize;
  unsigned max_usage = kDefaultRingSize;
  unsigned readers = 0;
  unsigned writers = 0;
  unsigned in_flight = 0;      // copies made outside the mutex, not yet committed/released
  bool merge_pending = false;  // a merge into a committed buffer is being copied

  std::atomic<std::uint64_t> bytes_written{0};
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> writes_blocked{0};
  std::atomic<std::uint64_t> reads_blocked{0};

  [[nodiscard]] Buffer& slot(unsigned index) noexcept { return bufs[index & (ring_size - 1)]; }
  [[nodiscard]] const Buffer& slot(unsigned index) const noexcept {
    return bufs[index & (ring_size - 1)];
  }
  // Nothing a reader may claim. The tail buffer is empty only while a merge into it is copied.
  [[nodiscard]] bool empty() const noexcept { return tail == committed || slot(tail).len == 0; }
  [[nodiscard]] bool full() const noexcept { return head - released >= max_usage; }
  // The last buffer takes a merge: committed, mergeable, not merged into already, room left.
  [[nodiscard]] Buffer* merge_target(std::size_t chars) noexcept {
    if (head == tail || committed != head || merge_pending) return nullptr;
    Buffer& last = slot(head - 1);
    if (!(last.flags & kBufCanMerge) || last.offset + last.len + chars > kPageSize) return nullptr;
    return &last;
  }

  // Makes the ready slots at `committed` (and a finished merge) visible in order. Returns true
  // when readers had nothing and now have something.
  bool commit(const CopyBatch& batch) noexcept {
    const bool was_empty = empty();
    for (std::size_t i = 0; i < batch.n; ++i) {
      const Copy& c = batch.items[i];
      Buffer& buf = slot(c.slot);
      if (c.merge) {
        buf.len += buf.pending;
        buf.pending = 0;
        merge_pending = false;
      } else {
        buf.ready = true;
      }
    }
    copies_done(batch.n);
    while (committed != head && !merge_pending && slot(committed).ready) {
      Buffer& buf = slot(committed);
      buf.len = buf.pending;
      buf.pending = 0;
      buf.ready = false;
      ++committed;
    }
    return was_empty && !empty();
  }

  // Drops a read's pins and frees, in order, the pages no copy uses any more. Returns true when
  // the ring was full before a page was freed.
  bool release(const CopyBatch& batch) noexcept {
    for (std::size_t i = 0; i < batch.n; ++i) --slot(batch.items[i].slot).pins;
    copies_done(batch.n);
    return release_claimed();
  }

  // A resize waits for the last copy in flight; it is rare, so it is woken under the mutex.
  void copies_done(std::size_t n) noexcept {
    in_flight -= static_cast<unsigned>(n);
    if (in_flight == 0 && idle_wait.has_waiters()) {
      internal::Wakeup resize;
      idle_wait.take_all(resize);
    }
  }

  bool release_claimed() noexcept {
    bool was_full = false;
    while (released != tail && slot(released).pins == 0) {
      Buffer& buf = slot(released);
      was_full |= full();
      release_buffer(buf);
      ++released;
    }
    return was_full;
  }

  // Drops the buffer's reference to its page: a page of its own goes to the pool; a shared page
  // goes back only with its last reference, into this pool when it uses the page's allocator,
  // else to that allocator; user memory is not ours to free.
  void release_buffer(Buffer& buf) noexcept {
    void* page = buf.page;
    buf.page = nullptr;
    if (page == nullptr || (buf.flags & kBufUser) != 0) return;
    if ((buf.flags & kBufShared) == 0) {
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

  // Appends a whole buffer (spliced, teed or vmspliced) at `head`. Readers see it after the
  // slots writers reserved before it, as the commit order requires. Requires !full().
  void publish(const Buffer& from) noexcept {
    Buffer& buf = slot(head);
    buf = from;
    buf.pins = 0;
    if (committed == head && !merge_pending) {
      buf.pending = 0;
      buf.ready = false;
      ++head;
      ++committed;
      return;
    }
    buf.pending = buf.len;
    buf.len = 0;
    buf.ready = true;
    ++head;
  }
};

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
bool flush_write(Pipe::Impl& p, Lock& lock, internal::IovCursor& from, CopyBatch& batch) noexcept {
  if (batch.empty()) return false;
  lock.unlock();
  for (std::size_t i = 0; i < batch.n; ++i) {
    (void)from.copy_out(batch.items[i].page_bytes, batch.items[i].len);  // checked: no fault
  }
  lock.lock();
  const bool now_readable = p.commit(batch);
  batch.n = 0;
  return now_readable;
}

// A parallel read's copies, made with the mutex dropped, then its claimed pages released.
// Returns true when a freed page made room in a full ring.
template <class Lock>
bool flush_read(Pipe::Impl& p, Lock& lock, internal::IovCursor& to, CopyBatch& batch) noexcept {
  if (batch.empty()) return false;
  lock.unlock();
  for (std::size_t i = 0; i < batch.n; ++i) {
    (void)to.copy_in(batch.items[i].page_bytes, batch.items[i].len);  // checked: no fault
  }
  lock.lock();
  const bool room = p.release(batch);
  batch.n = 0;
  return room;
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
  p.pool->prefill(total, burst);

  // Woken after the mutex is dropped (declared before the lock: they also wake on unwinding).
  internal::Wakeup wake_readers;
  internal::Wakeup wake_writers;
  std::unique_lock lock(p.mutex);
  p.writers_running.enter();
  p.pool->prefill_locked(burst);

  CopyBatch batch;
  std::size_t left = total;  // bytes not yet stored or reserved
  std::size_t copyable = p.parallel ? from.copyable() : 0;
  std::size_t ret = 0;
  int err = 0;
  bool was_empty = !p.parallel && p.empty();
  bool wake_next_writer = false;
  bool blocked = false;

  if (p.readers == 0) {
    err = EPIPE;
  } else {
    // A partial-page tail may merge into the last buffer (never in packet mode).
    const std::size_t chars = total & (kPageSize - 1);
    bool done = false;
    Buffer* last = chars != 0 ? p.merge_target(chars) : nullptr;
    if (last != nullptr) {
      char* to = static_cast<char*>(last->page) + last->offset + last->len;
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
        last->pending = static_cast<unsigned>(chars);
        p.merge_pending = true;
        ++p.in_flight;
        batch.push({to, p.head - 1, static_cast<unsigned>(chars), true});
        copyable -= chars;
      }
      if (!done) {
        ret = chars;
        left -= chars;
        done = left == 0;
      }
    }
    while (!done) {
      if (p.readers == 0) {
        if (ret == 0) err = EPIPE;
        break;
      }
      if (!p.full()) {
        void* page = p.pool->get_page(burst);
        if (page == nullptr) {
          if (ret == 0) err = ENOMEM;
          break;
        }
        const std::size_t want = left < kPageSize ? left : kPageSize;
        std::size_t copied = want;
        if (!p.parallel) {
          copied = from.copy_out(page, kPageSize);
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
        if (!p.parallel) {
          buf.len = static_cast<unsigned>(copied);
          ++p.head;  // published only after the copy
          ++p.committed;
        } else {
          buf.len = 0;
          buf.pending = static_cast<unsigned>(copied);
          ++p.in_flight;
          batch.push({static_cast<char*>(page), p.head, static_cast<unsigned>(copied), false});
          ++p.head;  // reserved; readers see it once committed
          copyable -= copied;
        }
        ret += copied;
        left -= copied;
        if (left == 0) break;
        if (batch.full()) was_empty |= flush_write(p, lock, from, batch);
      }
      if (!p.full()) continue;
      if (nonblock) {
        if (ret == 0) err = EAGAIN;
        break;
      }
      // Full: commit what was copied, let readers in, sleep until there is room or no reader.
      was_empty |= flush_write(p, lock, from, batch);
      if (!p.full()) continue;
      if (!blocked) add(p.writes_blocked, 1);
      blocked = true;
      if (was_empty) p.rd_wait.take_one(wake_readers);
      internal::poll_notify();
      const internal::WaitResult r =
          p.wr_wait.wait(lock, [&p] { return !p.full() || p.readers == 0; },
                         {true, &p.writers_running, &p.readers_running, &wake_readers});
      was_empty = !p.parallel && p.empty();
      wake_next_writer = true;
      if (r == internal::WaitResult::interrupted) {  // pipe_write's signal_pending(): EINTR
        if (ret == 0) err = EINTR;                   // or what was written so far
        break;
      }
    }
  }
  was_empty |= flush_write(p, lock, from, batch);

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
  p.pool->release(spare);
  if (ret > 0) {
    internal::poll_notify();
    return {ret, {}};
  }
  return {0, errno_code(err)};
}

IoResult Pipe::read(std::span<const iovec> iov, bool nonblock) noexcept {
  internal::IovCursor to(iov);
  std::size_t total = to.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  PageBatch none;
  PageBatch spare;
  internal::Wakeup wake_writers;  // woken after the mutex is dropped
  internal::Wakeup wake_readers;
  std::unique_lock lock(p.mutex);
  p.readers_running.enter();

  CopyBatch batch;
  std::size_t copyable = p.parallel ? to.copyable() : 0;
  std::size_t ret = 0;
  int err = 0;
  bool wake_writer = false;
  bool wake_next_reader = false;
  bool blocked = false;

  for (;;) {
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
      } else {
        if (copyable < chars) {  // the bytes before the fault land; the buffer stays whole
          if (copyable != 0) {
            ++buf.pins;
            ++p.in_flight;
            batch.push({src, index, static_cast<unsigned>(copyable), false});  // stays whole
          }
          if (ret == 0) err = EFAULT;
          break;
        }
        ++buf.pins;
        ++p.in_flight;
        batch.push({src, index, static_cast<unsigned>(chars), false});
        copyable -= chars;
      }
      ret += chars;
      buf.offset += static_cast<unsigned>(chars);
      buf.len -= static_cast<unsigned>(chars);
      if (buf.flags & kBufPacket) {  // one packet per read; what did not fit is dropped
        total = chars;
        buf.len = 0;
      }
      if (buf.len == 0 && buf.pending == 0) {  // claimed whole: its page goes once copied
        ++p.tail;
        if (!p.parallel) wake_writer |= p.release_claimed();
      }
      total -= chars;
      if (total == 0) break;
      if (batch.full()) wake_writer |= flush_read(p, lock, to, batch);
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
  }
  wake_writer |= flush_read(p, lock, to, batch);

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
  if (ret > 0) internal::poll_notify();
  if (err != 0) return {0, errno_code(err)};
  return {ret, {}};
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
      bufs.resize(nr_slots);
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
  std::lock_guard lock(p.mutex);
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
  if (last) internal::poll_notify();
}

// Zero-copy operations: vmsplice, splice and tee (fs/splice.c). They run under the pipe mutexes in
// both copy modes and see only committed buffers; a buffer whose slot copies still use (pins, a
// merge in flight) is shared by reference instead of moved.
namespace {

using PipeLock = std::unique_lock<decltype(Pipe::Impl::mutex)>;

// The waits of these calls are interruptible, as pipe_read's and pipe_write's.
constexpr internal::WaitOptions kSpliceWait{true, nullptr, nullptr, nullptr};

// ipipe_prep: waits until the input has a buffer or no writer. Returns 0 or EAGAIN / EINTR.
int prep_input(Pipe::Impl& p, bool nonblock) noexcept {
  PipeLock lock(p.mutex);
  if (!p.empty() || p.writers == 0) return 0;
  if (nonblock) return EAGAIN;
  const internal::WaitResult r = p.rd_wait.wait(
      lock, [&p] { return !p.empty() || p.writers == 0; }, kSpliceWait);
  return r == internal::WaitResult::interrupted ? EINTR : 0;
}

// opipe_prep: waits until the output has a free slot. Returns 0 or EPIPE / EAGAIN / EINTR.
int prep_output(Pipe::Impl& p, bool nonblock) noexcept {
  PipeLock lock(p.mutex);
  if (!p.full()) return 0;
  if (p.readers == 0) return EPIPE;
  if (nonblock) return EAGAIN;
  const internal::WaitResult r = p.wr_wait.wait(
      lock, [&p] { return !p.full() || p.readers == 0; }, kSpliceWait);
  if (r == internal::WaitResult::interrupted) return EINTR;
  return p.full() ? EPIPE : 0;
}

// Both pipes' mutexes, taken in address order (two calls in opposite directions cannot deadlock).
struct BothLocks {
  BothLocks(Pipe::Impl& a, Pipe::Impl& b) noexcept
      : first(&a < &b ? a.mutex : b.mutex, std::defer_lock),
        second(&a < &b ? b.mutex : a.mutex, std::defer_lock) {
    first.lock();
    second.lock();
  }
  void unlock() noexcept {
    second.unlock();
    first.unlock();
  }
  PipeLock first;
  PipeLock second;
};

// Adds a reference to the page of `buf` (a buffer of `p`) for a second buffer. Returns false when
// the reference table cannot grow.
bool get_ref(Pipe::Impl& p, Buffer& buf) noexcept {
  if ((buf.flags & kBufUser) != 0) return true;
  if (!internal::PageRefs::global().share(buf.page, p.pool->allocator_handle())) return false;
  buf.flags |= kBufShared;
  return true;
}

// Wake-ups and counters common to splice and tee, after the buffers moved.
struct Transfer {
  std::size_t ret = 0;
  int err = 0;
  bool input_room = false;  // a freed slot in a full input ring
  bool retry = false;       // nothing moved: wait again (the kernel's retry)
};

}  // namespace

IoResult Pipe::vmsplice_to_pipe(std::span<const iovec> iov, bool nonblock) noexcept {
  std::size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  if (total == 0) return {};

  Impl& p = *impl_;
  internal::Wakeup wake_readers;
  internal::Wakeup wake_writers;
  PipeLock lock(p.mutex);
  int err = 0;
  bool waited = false;
  for (;;) {  // wait_for_space
    if (p.readers == 0) {
      err = EPIPE;
      break;
    }
    if (!p.full()) break;
    if (nonblock) {
      err = EAGAIN;
      break;
    }
    waited = true;
    if (p.wr_wait.wait(
            lock, [&p] { return !p.full() || p.readers == 0; }, kSpliceWait) ==
        internal::WaitResult::interrupted) {
      err = EINTR;
      break;
    }
  }
  std::size_t ret = 0;
  if (err == 0) {
    const bool was_empty = p.empty();
    // One buffer per page of each segment, as many as there are free slots; the pipe points at
    // the caller's bytes.
    for (const iovec& v : iov) {
      if (v.iov_len == 0) continue;
      if (internal::faulting_base(v.iov_base)) {
        if (ret == 0) err = EFAULT;
        break;
      }
      auto addr = reinterpret_cast<std::uintptr_t>(v.iov_base);
      std::size_t left = v.iov_len;
      while (left != 0 && !p.full()) {
        const std::size_t offset = addr & (kPageSize - 1);
        const std::size_t len = left < kPageSize - offset ? left : kPageSize - offset;
        Buffer buf;
        buf.page = reinterpret_cast<void*>(addr - offset);
        buf.offset = static_cast<unsigned>(offset);
        buf.len = static_cast<unsigned>(len);
        buf.flags = kBufUser;
        p.publish(buf);
        ret += len;
        left -= len;
        addr += len;
      }
      if (left != 0) break;
    }
    if (was_empty && !p.empty()) p.rd_wait.take_one(wake_readers);
    if (waited && !p.full()) p.wr_wait.take_one(wake_writers);
  }
  if (ret > 0) {
    add(p.bytes_written, ret);
    add(p.writes, 1);
  }
  lock.unlock();
  wake_readers.wake();
  wake_writers.wake();
  if (ret > 0) {
    internal::poll_notify();
    return {ret, {}};
  }
  return {0, errno_code(err)};
}

IoResult Pipe::vmsplice_to_user(std::span<const iovec> iov, bool nonblock) noexcept {
  internal::IovCursor to(iov);
  std::size_t total = to.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  internal::Wakeup wake_writers;
  PipeLock lock(p.mutex);
  std::size_t ret = 0;
  int err = 0;
  bool room = false;
  while (total != 0) {
    if (p.empty()) {  // splice_from_pipe_next
      if (p.writers == 0 || ret != 0) break;
      if (nonblock) {
        err = EAGAIN;
        break;
      }
      if (room) p.wr_wait.take_one(wake_writers);
      room = false;
      if (p.rd_wait.wait(
              lock, [&p] { return !p.empty() || p.writers == 0; }, kSpliceWait) ==
          internal::WaitResult::interrupted) {
        err = EINTR;
        break;
      }
      continue;
    }
    // A buffer is copied whole or not at all (the count is what fit in `iov`); no packet
    // boundaries, as splice's pipe_to_user.
    Buffer& buf = p.slot(p.tail);
    const std::size_t chars = buf.len < total ? buf.len : total;
    if (to.copy_in(static_cast<char*>(buf.page) + buf.offset, chars) < chars) {
      if (ret == 0) err = EFAULT;
      break;
    }
    buf.offset += static_cast<unsigned>(chars);
    buf.len -= static_cast<unsigned>(chars);
    ret += chars;
    total -= chars;
    if (buf.len == 0 && buf.pending == 0) {
      ++p.tail;
      room |= p.release_claimed();
    }
  }
  if (room) p.wr_wait.take_one(wake_writers);
  if (ret > 0) {
    add(p.bytes_read, ret);
    add(p.reads, 1);
  }
  PageBatch none;
  PageBatch spare;
  p.pool->trim_locked(none, spare);  // as a read ends: the pool gives back what it keeps over
  lock.unlock();
  wake_writers.wake();
  p.pool->release(spare);
  if (ret > 0) {
    internal::poll_notify();
    return {ret, {}};
  }
  return {0, errno_code(err)};
}

IoResult Pipe::splice(Pipe& in, Pipe& out, std::size_t len, bool nonblock) noexcept {
  Impl& ip = *in.impl_;
  Impl& op = *out.impl_;
  if (&ip == &op) return {0, errno_code(EINVAL)};
  if (len == 0) return {};
  for (;;) {
    if (const int e = prep_input(ip, nonblock); e != 0) return {0, errno_code(e)};
    if (const int e = prep_output(op, nonblock); e != 0) return {0, errno_code(e)};
    internal::Wakeup wake_in_writers;
    internal::Wakeup wake_out_readers;
    BothLocks locks(ip, op);
    const bool out_was_empty = op.empty();
    const bool share_allocator = &ip.pool->allocator() == &op.pool->allocator();
    Transfer t;
    while (len != 0) {
      if (op.readers == 0) {
        if (t.ret == 0) t.err = EPIPE;
        break;
      }
      const bool in_empty = ip.empty();
      if (in_empty && ip.writers == 0) break;
      if (in_empty || op.full()) {
        if (t.ret != 0) break;
        if (nonblock) {
          t.err = EAGAIN;
        } else {
          t.retry = true;
        }
        break;
      }
      Buffer& ibuf = ip.slot(ip.tail);
      Buffer moved;
      if (len >= ibuf.len && ibuf.pins == 0 && ibuf.pending == 0) {
        // The whole buffer changes pipes, flags and page reference included.
        moved = ibuf;
        if ((moved.flags & (kBufShared | kBufUser)) == 0 && !share_allocator) {
          if (!internal::PageRefs::global().adopt(moved.page, ip.pool->allocator_handle())) {
            if (t.ret == 0) t.err = ENOMEM;
            break;
          }
          moved.flags |= kBufShared;
        }
        ibuf.page = nullptr;
        ibuf.len = 0;
        ibuf.flags = 0;
      } else {
        // Part of it (or all of it while copies still use its slot): a second reference.
        if (!get_ref(ip, ibuf)) {
          if (t.ret == 0) t.err = ENOMEM;
          break;
        }
        moved = ibuf;
        moved.flags &= ~kBufCanMerge;
        moved.len = len < ibuf.len ? static_cast<unsigned>(len) : ibuf.len;
        ibuf.offset += moved.len;
        ibuf.len -= moved.len;
      }
      if (ibuf.len == 0 && ibuf.pending == 0) {
        ++ip.tail;
        t.input_room |= ip.release_claimed();
      }
      op.publish(moved);
      t.ret += moved.len;
      len -= moved.len;
    }
    if (t.input_room) ip.wr_wait.take_one(wake_in_writers);
    if (out_was_empty && !op.empty()) op.rd_wait.take_one(wake_out_readers);
    if (t.ret > 0) {
      add(ip.bytes_read, t.ret);
      add(ip.reads, 1);
      add(op.bytes_written, t.ret);
      add(op.writes, 1);
    }
    PageBatch none;
    PageBatch spare;
    ip.pool->trim_locked(none, spare);  // the input released pages, as a read does
    locks.unlock();
    wake_in_writers.wake();
    wake_out_readers.wake();
    ip.pool->release(spare);
    if (t.retry) continue;
    if (t.ret > 0) {
      internal::poll_notify();
      return {t.ret, {}};
    }
    return {0, errno_code(t.err)};
  }
}

IoResult Pipe::tee(Pipe& in, Pipe& out, std::size_t len, bool nonblock) noexcept {
  Impl& ip = *in.impl_;
  Impl& op = *out.impl_;
  if (&ip == &op) return {0, errno_code(EINVAL)};
  if (len == 0) return {};
  if (const int e = prep_input(ip, nonblock); e != 0) return {0, errno_code(e)};
  if (const int e = prep_output(op, nonblock); e != 0) return {0, errno_code(e)};
  internal::Wakeup wake_out_readers;
  BothLocks locks(ip, op);
  const bool out_was_empty = op.empty();
  Transfer t;
  // link_pipe: every committed input buffer in order, each as a second reference that never
  // takes merges, trimmed to what is left of `len`.
  for (unsigned i = ip.tail; len != 0; ++i) {
    if (op.readers == 0) {
      if (t.ret == 0) t.err = EPIPE;
      break;
    }
    if (i == ip.committed || ip.slot(i).len == 0 || op.full()) break;
    Buffer& ibuf = ip.slot(i);
    if (!get_ref(ip, ibuf)) {
      if (t.ret == 0) t.err = ENOMEM;
      break;
    }
    Buffer copy = ibuf;
    copy.flags &= ~kBufCanMerge;
    if (copy.len > len) copy.len = static_cast<unsigned>(len);
    op.publish(copy);
    t.ret += copy.len;
    len -= copy.len;
  }
  if (out_was_empty && !op.empty()) op.rd_wait.take_one(wake_out_readers);
  if (t.ret > 0) {
    add(op.bytes_written, t.ret);
    add(op.writes, 1);
  }
  locks.unlock();
  wake_out_readers.wake();
  if (t.ret > 0) {
    internal::poll_notify();
    return {t.ret, {}};
  }
  return {0, errno_code(t.err)};
}

}  // namespace pipepool
