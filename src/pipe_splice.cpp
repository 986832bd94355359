// Zero-copy calls on pipepool pipes: fs/splice.c's vmsplice_to_pipe, vmsplice_to_user,
// splice_pipe_to_pipe and link_pipe (tee). Buffers are appended, moved or shared under the pipe
// mutexes in both copy modes; no byte is copied, except by vmsplice from a read end (a read).
//
// In parallel copy mode these calls keep the order read and write keep (pipe_ring.hpp): they
// append only once every write reserved before shows its bytes and the ring's free slots all have
// array entries (Impl::ready_to_append), and they take from an input as a read would
// (Impl::read_meets_copies, without packet boundaries). Buffers whose pages readers still copy
// from are shared by reference instead of moved.
#include <cerrno>
#include <cstdint>
#include <mutex>

#include "internal/iov_cursor.hpp"
#include "internal/pipe_ring.hpp"
#include "internal/poll_wait.hpp"

namespace pipepool {
using internal::add;
using internal::Buffer;
using internal::errno_code;
using internal::kBufCanMerge;
using internal::kBufShared;
using internal::kBufUser;
using internal::PageRefs;

namespace {

using PipeLock = std::unique_lock<decltype(Pipe::Impl::mutex)>;
using Change = internal::Readiness::Change;

// Waits, with `lock` (p's mutex) held, until `p` may take appended buffers.
void wait_append(Pipe::Impl& p, PipeLock& lock) noexcept {
  while (!p.ready_to_append()) {
    if (p.published_seq < p.reserved_seq) {
      p.wait_published(lock);
      continue;
    }
    p.release_wait.wait(lock, [&p] { return p.entries_cover_ring(); },
                        {false, nullptr, &p.readers_running, nullptr});
  }
}

// ipipe_prep: waits until the input has a buffer or no writer. Returns 0 or EAGAIN / EINTR.
int prep_input(Pipe::Impl& p, bool nonblock) noexcept {
  PipeLock lock(p.mutex);
  if (!p.empty() || p.writers == 0) return 0;
  if (nonblock) return EAGAIN;
  const internal::WaitResult r = p.rd_wait.wait(lock, [&p] { return !p.empty() || p.writers == 0; },
                                                {true, nullptr, &p.writers_running, nullptr});
  return r == internal::WaitResult::interrupted ? EINTR : 0;
}

// opipe_prep: waits until the output has a free slot. Returns 0 or EPIPE / EAGAIN / EINTR. EAGAIN
// and EINTR report a full ring only once the writes that fill it show (Impl::settle).
int prep_output(Pipe::Impl& p, bool nonblock) noexcept {
  PipeLock lock(p.mutex);
  if (!p.writable()) {
    if (nonblock) {
      if (!p.writable_once_settled(lock)) return EAGAIN;
    } else if (p.wr_wait.wait(lock, [&p] { return p.writable(); },
                              {true, nullptr, &p.readers_running, nullptr}) ==
                   internal::WaitResult::interrupted &&
               !p.writable_once_settled(lock)) {
      return EINTR;
    }
  }
  return p.readers == 0 ? EPIPE : 0;
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

// Under both locks: whether the pipes are ready for a splice or tee of `len` bytes. If not, drops
// both locks, waits for what stood in the way and returns false (the caller starts over).
bool ready_or_wait(Pipe::Impl& in, Pipe::Impl& out, std::size_t len, BothLocks& locks) noexcept {
  const bool input_ok = !in.read_meets_copies(len, false);
  if (input_ok && out.ready_to_append()) return true;
  locks.unlock();
  Pipe::Impl& p = input_ok ? out : in;
  PipeLock lock(p.mutex);
  if (input_ok) {
    wait_append(p, lock);
  } else if (p.read_meets_copies(len, false)) {
    p.wait_published(lock);
  }
  return false;
}

// Adds a reference to the page of `buf` (a buffer of `p`) for a second buffer. Returns false when
// the reference table cannot grow.
bool get_ref(Pipe::Impl& p, Buffer& buf) noexcept {
  if ((buf.flags & kBufUser) != 0) return true;
  if (!PageRefs::global().share(buf.page, p.pool->allocator_handle())) return false;
  buf.flags |= kBufShared;
  return true;
}

// The outcome of one pass of splice or tee under both locks.
struct Transfer {
  std::size_t ret = 0;
  int err = 0;
  bool input_room = false;  // a full input ring freed a slot
  bool retry = false;       // nothing moved and the call blocks: prepare again
};

// Counters, wake-ups and readiness after a splice or tee moved `t.ret` bytes.
void after_transfer(Pipe::Impl& in, Pipe::Impl& out, const Transfer& t, bool consumed) noexcept {
  if (t.ret == 0) return;
  internal::poll_notify();
  if (consumed) in.readiness.changed(Change::read);
  out.readiness.changed(Change::wrote);
}

}  // namespace

IoResult Pipe::vmsplice_to_pipe(std::span<const iovec> iov, bool nonblock) noexcept {
  std::size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  if (total == 0) return {};

  Impl& p = *impl_;
  internal::Wakeup wake_readers;  // woken after the mutex is dropped
  internal::Wakeup wake_writers;
  PipeLock lock(p.mutex);
  p.writers_running.enter();
  int err = 0;
  bool waited = false;
  bool signaled = false;  // a handler interrupted the wait; EINTR once the full ring shows
  for (;;) {              // wait_for_space
    if (p.readers == 0) {
      err = EPIPE;
      break;
    }
    if (!p.ready_to_append()) {
      wait_append(p, lock);
      continue;
    }
    if (!p.full()) break;
    if (nonblock) {
      err = EAGAIN;
      break;
    }
    if (signaled) {
      err = EINTR;
      break;
    }
    if (!waited) add(p.writes_blocked, 1);
    waited = true;
    signaled = p.wr_wait.wait(lock, [&p] { return p.writable(); },
                              {true, &p.writers_running, &p.readers_running, nullptr}) ==
               internal::WaitResult::interrupted;
  }
  std::size_t ret = 0;
  if (err == 0) {
    const bool was_empty = p.empty();
    // iter_to_pipe: one buffer per page of each segment, while there are free slots; the pipe
    // points at the caller's bytes.
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
        p.append(buf);
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
  p.writers_running.leave();
  lock.unlock();
  wake_readers.wake();
  wake_writers.wake();
  return p.finish(ret, ret > 0 ? 0 : err, Change::wrote);
}

IoResult Pipe::vmsplice_to_user(std::span<const iovec> iov, bool nonblock) noexcept {
  internal::IovCursor to(iov);
  std::size_t total = to.remaining();
  if (total == 0) return {};

  Impl& p = *impl_;
  internal::Wakeup wake_writers;  // woken after the mutex is dropped
  PageBatch none;
  PageBatch spare;
  PipeLock lock(p.mutex);
  p.readers_running.enter();
  std::size_t ret = 0;
  int err = 0;
  bool room = false;  // a full ring freed a slot
  while (total != 0) {
    if (ret == 0 && p.read_meets_copies(total, false)) {
      p.wait_published(lock);
      continue;
    }
    if (p.empty()) {  // splice_from_pipe_next
      if (p.writers == 0 || ret != 0) break;
      if (nonblock) {
        err = EAGAIN;
        break;
      }
      if (room) p.wr_wait.take_one(wake_writers);
      room = false;
      if (p.rd_wait.wait(lock, [&p] { return !p.empty() || p.writers == 0; },
                         {true, &p.readers_running, &p.writers_running, &wake_writers}) ==
          internal::WaitResult::interrupted) {
        err = EINTR;
        break;
      }
      continue;
    }
    // A buffer is copied whole or as much as fits in `iov`, under the mutex in both copy modes;
    // no packet boundaries, as splice's pipe_to_user.
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
      room |= p.full();
      ++p.tail;
      p.release_claimed();
    }
  }
  if (room) p.wr_wait.take_one(wake_writers);
  if (ret > 0) {
    add(p.bytes_read, ret);
    add(p.reads, 1);
  }
  p.pool->trim_locked(none, spare);  // as a read ends: the pool gives back what it keeps over
  p.readers_running.leave();
  lock.unlock();
  wake_writers.wake();
  p.pool->release(spare);
  return p.finish(ret, ret > 0 ? 0 : err, Change::read);
}

IoResult Pipe::splice(Pipe& in, Pipe& out, std::size_t len, bool nonblock) noexcept {
  Impl& ip = *in.impl_;
  Impl& op = *out.impl_;
  if (&ip == &op) return {0, errno_code(EINVAL)};
  if (len == 0) return {};
  for (;;) {
    if (const int e = prep_input(ip, nonblock); e != 0) return {0, errno_code(e)};
    if (const int e = prep_output(op, nonblock); e != 0) return {0, errno_code(e)};
    internal::Wakeup wake_in_writers;  // woken after the mutexes are dropped
    internal::Wakeup wake_out_readers;
    BothLocks locks(ip, op);
    if (!ready_or_wait(ip, op, len, locks)) continue;
    ip.readers_running.enter();
    op.writers_running.enter();
    const bool out_was_empty = op.empty();
    const bool same_allocator = &ip.pool->allocator() == &op.pool->allocator();
    Transfer t;
    while (len != 0) {
      if (op.readers == 0) {
        if (t.ret == 0) t.err = EPIPE;
        break;
      }
      const bool in_empty = ip.empty();
      if (in_empty && ip.writers == 0) break;
      if (in_empty || op.full()) {  // no progress possible
        if (t.ret != 0) break;
        if (nonblock) {
          t.err = EAGAIN;
        } else {
          t.retry = true;  // raced with another reader or writer: prepare again
        }
        break;
      }
      Buffer& ibuf = ip.slot(ip.tail);
      Buffer moved;
      if (len >= ibuf.len && ibuf.pins == 0 && ibuf.pending == 0) {
        // The whole buffer changes pipes, flags and page reference included. A page of its own
        // enters the reference table when the output's pool uses another allocator, so that it
        // goes back to the allocator it came from.
        moved = ibuf;
        if ((moved.flags & (kBufShared | kBufUser)) == 0 && !same_allocator) {
          if (!PageRefs::global().adopt(moved.page, ip.pool->allocator_handle())) {
            if (t.ret == 0) t.err = ENOMEM;
            break;
          }
          moved.flags |= kBufShared;
        }
        ibuf.page = nullptr;
        ibuf.len = 0;
        ibuf.flags = 0;
      } else {
        // A part (or all of a buffer readers still copy from): a second reference that never
        // takes merges.
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
        t.input_room |= ip.full();
        ++ip.tail;
        ip.release_claimed();
      }
      op.append(moved);
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
    ip.readers_running.leave();
    op.writers_running.leave();
    locks.unlock();
    wake_in_writers.wake();
    wake_out_readers.wake();
    ip.pool->release(spare);
    if (t.retry) continue;
    after_transfer(ip, op, t, true);
    if (t.ret > 0) return {t.ret, {}};
    return {0, errno_code(t.err)};
  }
}

IoResult Pipe::tee(Pipe& in, Pipe& out, std::size_t len, bool nonblock) noexcept {
  Impl& ip = *in.impl_;
  Impl& op = *out.impl_;
  if (&ip == &op) return {0, errno_code(EINVAL)};
  if (len == 0) return {};
  for (;;) {
    if (const int e = prep_input(ip, nonblock); e != 0) return {0, errno_code(e)};
    if (const int e = prep_output(op, nonblock); e != 0) return {0, errno_code(e)};
    internal::Wakeup wake_out_readers;  // woken after the mutexes are dropped
    BothLocks locks(ip, op);
    if (!ready_or_wait(ip, op, len, locks)) continue;
    op.writers_running.enter();
    const bool out_was_empty = op.empty();
    Transfer t;
    // link_pipe: the input's buffers in order, each as a second reference that never takes
    // merges, the last trimmed to what is left of `len`; nothing is consumed.
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
      op.append(copy);
      t.ret += copy.len;
      len -= copy.len;
    }
    if (out_was_empty && !op.empty()) op.rd_wait.take_one(wake_out_readers);
    if (t.ret > 0) {
      add(op.bytes_written, t.ret);
      add(op.writes, 1);
    }
    op.writers_running.leave();
    locks.unlock();
    wake_out_readers.wake();
    after_transfer(ip, op, t, false);
    if (t.ret > 0) return {t.ret, {}};
    return {0, errno_code(t.err)};
  }
}

}  // namespace pipepool
