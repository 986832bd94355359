// The pipe itself: fs/pipe.c's pipe_read, pipe_write, pipe_poll, pipe_resize_ring and
// pipe_release, over a ring of page buffers whose pages come from a PagePool.
#include "pipepool/pipe.hpp"

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <new>
#include <vector>

#include "internal/iov_cursor.hpp"
#include "internal/metered_mutex.hpp"
#include "internal/pipe_mutex.hpp"
#include "internal/poll_wait.hpp"
#include "internal/wait_queue.hpp"

namespace pipepool {
namespace {

// pipe_buffer flags we model.
constexpr unsigned kBufCanMerge = 1u << 0;  // PIPE_BUF_FLAG_CAN_MERGE
constexpr unsigned kBufPacket = 1u << 1;    // PIPE_BUF_FLAG_PACKET

struct Buffer {
  void* page = nullptr;
  unsigned offset = 0;
  unsigned len = 0;
  unsigned flags = 0;
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

}  // namespace

struct Pipe::Impl {
  explicit Impl(std::unique_ptr<PagePool> p) : pool(std::move(p)), bufs(kDefaultRingSize) {
    pool->attach_lock(&mutex);
  }

  // Everything below `mutex` is guarded by it (the kernel's pipe->mutex). It also keeps the lock
  // metrics (hold, wait, contention) and knows its owner, which the pool checks.
  mutable internal::MeteredMutex<internal::PipeMutex> mutex;
  internal::WaitQueue rd_wait;
  internal::WaitQueue wr_wait;
  std::unique_ptr<PagePool> pool;
  std::vector<Buffer> bufs;
  unsigned head = 0;  // free-running; next slot to fill
  unsigned tail = 0;  // free-running; next slot to read
  unsigned ring_size = kDefaultRingSize;
  unsigned max_usage = kDefaultRingSize;
  unsigned readers = 0;
  unsigned writers = 0;

  std::atomic<std::uint64_t> bytes_written{0};
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> writes_blocked{0};
  std::atomic<std::uint64_t> reads_blocked{0};

  [[nodiscard]] bool empty() const noexcept { return head == tail; }
  [[nodiscard]] bool full() const noexcept { return head - tail >= max_usage; }
  [[nodiscard]] Buffer& slot(unsigned index) noexcept { return bufs[index & (ring_size - 1)]; }
};

Pipe::Pipe(std::unique_ptr<PagePool> pool) : impl_(std::make_unique<Impl>(std::move(pool))) {}

Pipe::~Pipe() {
  // free_pipe_info: release every buffer still in the ring, then the pool frees what it keeps.
  Impl& p = *impl_;
  std::lock_guard lock(p.mutex);
  for (unsigned i = p.tail; i != p.head; ++i) p.pool->put_page(p.slot(i).page);
  p.tail = p.head;
  p.pool->attach_lock(nullptr);  // the pool frees what it keeps with nobody else left
}

IoResult Pipe::write(std::span<const iovec> iov, bool nonblock, bool packet) noexcept {
  internal::IovCursor from(iov);
  const std::size_t total = from.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  PageBatch burst;
  PageBatch spare;
  p.pool->prefill(total, burst);

  std::unique_lock lock(p.mutex);
  p.pool->prefill_locked(burst);

  std::size_t ret = 0;
  int err = 0;
  bool was_empty = p.empty();
  bool wake_next_writer = false;
  bool blocked = false;

  if (p.readers == 0) {
    err = EPIPE;
  } else {
    // A partial-page tail may merge into the last buffer (never in packet mode).
    const std::size_t chars = total & (kPageSize - 1);
    bool done = false;
    if (chars != 0 && !was_empty) {
      Buffer& last = p.slot(p.head - 1);
      const std::size_t offset = last.offset + last.len;
      if ((last.flags & kBufCanMerge) && offset + chars <= kPageSize) {
        if (from.copy_out(static_cast<char*>(last.page) + offset, chars) < chars) {
          err = EFAULT;  // a fault while merging fails the whole write
          done = true;
        } else {
          last.len += static_cast<unsigned>(chars);
          ret = chars;
          done = from.remaining() == 0;
        }
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
        const std::size_t copied = from.copy_out(page, kPageSize);
        if (copied < kPageSize && from.remaining() != 0) {  // faulted: the page is not stored
          p.pool->put_page(page);
          if (ret == 0) err = EFAULT;
          break;
        }
        Buffer& buf = p.slot(p.head);
        buf.page = page;
        buf.offset = 0;
        buf.len = static_cast<unsigned>(copied);
        buf.flags = packet ? kBufPacket : kBufCanMerge;
        ++p.head;  // published only after the copy
        ret += copied;
        if (from.remaining() == 0) break;
      }
      if (!p.full()) continue;
      if (nonblock) {
        if (ret == 0) err = EAGAIN;
        break;
      }
      // Full: let readers in, sleep until there is room or no reader is left.
      if (!blocked) add(p.writes_blocked, 1);
      blocked = true;
      if (was_empty && p.rd_wait.has_waiters()) p.rd_wait.wake_one();
      internal::poll_notify();
      p.wr_wait.wait(lock, [&p] { return !p.full() || p.readers == 0; });
      was_empty = p.empty();
      wake_next_writer = true;
    }
  }

  if (p.full()) wake_next_writer = false;
  const bool wake_readers = was_empty && p.rd_wait.has_waiters();
  wake_next_writer = wake_next_writer && p.wr_wait.has_waiters();
  p.pool->trim_locked(burst, spare);
  if (ret > 0) {
    add(p.bytes_written, ret);
    add(p.writes, 1);
  }
  lock.unlock();

  if (wake_readers) p.rd_wait.wake_one();
  if (wake_next_writer) p.wr_wait.wake_one();
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
  std::unique_lock lock(p.mutex);

  std::size_t ret = 0;
  int err = 0;
  bool wake_writer = false;
  bool wake_next_reader = false;
  bool blocked = false;

  for (;;) {
    if (!p.empty()) {
      Buffer& buf = p.slot(p.tail);
      std::size_t chars = buf.len;
      if (chars > total) chars = total;
      if (to.copy_in(static_cast<char*>(buf.page) + buf.offset, chars) < chars) {
        if (ret == 0) err = EFAULT;  // faulted: this buffer stays whole in the pipe
        break;
      }
      ret += chars;
      buf.offset += static_cast<unsigned>(chars);
      buf.len -= static_cast<unsigned>(chars);
      if (buf.flags & kBufPacket) {  // one packet per read; what did not fit is dropped
        total = chars;
        buf.len = 0;
      }
      if (buf.len == 0) {
        wake_writer |= p.full();
        p.pool->put_page(buf.page);
        buf.page = nullptr;
        ++p.tail;
      }
      total -= chars;
      if (total == 0) break;
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
    if (wake_writer && p.wr_wait.has_waiters()) p.wr_wait.wake_one();
    p.rd_wait.wait(lock, [&p] { return !p.empty() || p.writers == 0; });
    wake_writer = false;
    wake_next_reader = true;
  }

  if (p.empty()) wake_next_reader = false;
  wake_writer = wake_writer && p.wr_wait.has_waiters();
  wake_next_reader = wake_next_reader && p.rd_wait.has_waiters();
  p.pool->trim_locked(none, spare);
  if (ret > 0) {
    add(p.bytes_read, ret);
    add(p.reads, 1);
  }
  lock.unlock();

  if (wake_writer) p.wr_wait.wake_one();
  if (wake_next_reader) p.rd_wait.wake_one();
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
  std::unique_lock lock(p.mutex);
  if (nr_slots > p.max_usage && size > kPipeMaxSize && !privileged) {
    return {0, errno_code(EPERM)};
  }
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
    p.tail = 0;
    p.head = occupancy;
    p.ring_size = nr_slots;
  }
  p.max_usage = nr_slots;
  const bool wake = p.wr_wait.has_waiters();
  lock.unlock();
  if (wake) p.wr_wait.wake_one();  // there may be room now
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
  for (unsigned i = p.tail; i != p.head; ++i) n += p.slot(i).len;
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

void Pipe::open_end(bool writer) noexcept {
  std::lock_guard lock(impl_->mutex);
  ++(writer ? impl_->writers : impl_->readers);
}

void Pipe::close_end(bool writer) noexcept {
  Impl& p = *impl_;
  std::unique_lock lock(p.mutex);
  unsigned& count = writer ? p.writers : p.readers;
  --count;
  const bool last = count == 0;
  lock.unlock();
  if (last) {  // pipe_release: the other side must see EOF / EPIPE
    p.rd_wait.wake_all();
    p.wr_wait.wake_all();
    internal::poll_notify();
  }
}

}  // namespace pipepool
