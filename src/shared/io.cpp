// read and write of a shared pipe, with the kernel's rules (internal/shared_pipe.hpp), every copy
// under the pipe's process-shared mutex.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "internal/iov_cursor.hpp"
#include "internal/shared_layout.hpp"
#include "internal/shared_lock.hpp"
#include "internal/shared_pipe.hpp"

namespace pipepool::internal {
namespace {

using shared::Header;
using shared::kPage;
using shared::SharedLock;

// Wake-ups owed once the lock is dropped.
struct Wakes {
  bool readers = false;
  bool writers = false;
  void run(Header& h) const noexcept {
    if (readers) shared::wake_one(h, h.read_seq);
    if (writers) shared::wake_one(h, h.write_seq);
  }
};

}  // namespace

long SharedEnd::read(std::span<const iovec> iov) noexcept {
  if (detached_) return -EIO;
  // A segment the copy would fault on fails the call before it touches the pipe.
  IovCursor dst(iov);
  if (dst.copyable() < dst.remaining()) return -EFAULT;
  std::size_t want = dst.remaining();
  if (want == 0) return 0;
  const bool nonblock = (flags_.load(std::memory_order_relaxed) & O_NONBLOCK) != 0;
  Header& h = map_->header();
  Wakes wakes;
  long ret = 0;
  bool blocked = false;
  {
    SharedLock lock(h);
    for (;;) {
      if (h.head != h.tail) {
        const bool was_full = h.head - h.tail >= h.max_usage;
        shared::Slot& buf = shared::slot_at(h, h.tail);
        const std::size_t n = std::min<std::size_t>(buf.len, want);
        (void)dst.copy_in(shared::page_at(h, buf.page) + buf.offset, n);
        buf.offset += static_cast<std::uint32_t>(n);
        buf.len -= static_cast<std::uint32_t>(n);
        ret += static_cast<long>(n);
        want -= n;
        if (buf.len == 0) {
          // The tail moves before the page is released: a holder dying in between leaves the page
          // in neither place, which recovery finds.
          const std::uint32_t page = buf.page;
          ++h.tail;
          shared::put_page(h, page);
          if (was_full && shared::bump(h.write_seq, h.writers_waiting)) wakes.writers = true;
        }
        if (want == 0) break;
        if (h.head != h.tail) continue;
      }
      if (h.writers == 0) break;
      if (ret != 0) break;
      if (nonblock) {
        ret = -EAGAIN;
        break;
      }
      if (!blocked) ++h.calls.reads_blocked;
      blocked = true;
      if (lock.wait(h.read_seq, h.readers_waiting) == SharedLock::Wait::interrupted) {
        ret = -EINTR;
        break;
      }
    }
    if (ret > 0) {
      ++h.calls.reads;
      h.calls.bytes_read += static_cast<std::uint64_t>(ret);
    }
    // A reader that leaves data behind lets the next sleeping reader go on.
    if (h.head != h.tail && h.readers_waiting != 0) {
      wakes.readers = shared::bump(h.read_seq, h.readers_waiting);
    }
  }
  wakes.run(h);
  return ret;
}

long SharedEnd::write(std::span<const iovec> iov) noexcept {
  if (detached_) return -EIO;
  IovCursor src(iov);
  if (src.copyable() < src.remaining()) return -EFAULT;
  const std::size_t total = src.remaining();
  if (total == 0) return 0;
  std::size_t left = total;
  const bool nonblock = (flags_.load(std::memory_order_relaxed) & O_NONBLOCK) != 0;
  Header& h = map_->header();
  Wakes wakes;
  long ret = 0;
  bool no_reader = false;
  bool blocked = false;
  {
    SharedLock lock(h);
    if (h.readers == 0) {
      no_reader = true;
    } else {
      // The leading total % PAGE bytes merge into the last buffer when it allows it and has room.
      const std::size_t chars = total & (kPage - 1);
      if (h.head != h.tail && chars != 0) {
        shared::Slot& last = shared::slot_at(h, h.head - 1);
        const std::size_t off = std::size_t{last.offset} + last.len;
        if ((last.flags & shared::kSlotCanMerge) && off + chars <= kPage) {
          (void)src.copy_out(shared::page_at(h, last.page) + off, chars);
          last.len += static_cast<std::uint32_t>(chars);
          ret = static_cast<long>(chars);
          left -= chars;
        }
      }
    }
    while (!no_reader && left != 0) {
      if (h.readers == 0) {
        no_reader = true;
        break;
      }
      if (h.head - h.tail < h.max_usage) {
        const std::uint32_t page = shared::get_page(h);
        const std::size_t n = std::min(left, kPage);
        (void)src.copy_out(shared::page_at(h, page), n);
        shared::slot_at(h, h.head) =
            shared::Slot{page, 0, static_cast<std::uint32_t>(n), shared::kSlotCanMerge};
        ++h.head;  // published after its copy
        ret += static_cast<long>(n);
        left -= n;
        continue;
      }
      if (nonblock) {
        if (ret == 0) ret = -EAGAIN;
        break;
      }
      // Readers must run before this writer sleeps: woken now, not when the write ends.
      if (ret > 0 && shared::bump(h.read_seq, h.readers_waiting)) shared::wake_one(h, h.read_seq);
      if (!blocked) ++h.calls.writes_blocked;
      blocked = true;
      if (lock.wait(h.write_seq, h.writers_waiting) == SharedLock::Wait::interrupted) {
        if (ret == 0) ret = -EINTR;
        break;
      }
    }
    if (ret > 0) {
      ++h.calls.writes;
      h.calls.bytes_written += static_cast<std::uint64_t>(ret);
    }
    if (ret > 0 && shared::bump(h.read_seq, h.readers_waiting)) wakes.readers = true;
    // A writer that leaves room behind lets the next sleeping writer go on.
    if (h.head - h.tail < h.max_usage && h.writers_waiting != 0) {
      wakes.writers = shared::bump(h.write_seq, h.writers_waiting);
    }
  }
  wakes.run(h);
  if (no_reader) {
    if (sigpipe_) pthread_kill(pthread_self(), SIGPIPE);
    if (ret == 0) ret = -EPIPE;
  }
  return ret;
}

}  // namespace pipepool::internal
