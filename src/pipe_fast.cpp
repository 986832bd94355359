// The small-call fast path: a write that merges whole into the last buffer and a read that leaves
// bytes in the tail buffer, made without the pipe mutex while the lanes are open
// (docs/ARCHITECTURE.md, "Small-call fast path"). Neither changes `head` or `tail`, takes or
// frees a page, waits or wakes: everything else is the locked path's.
#include "internal/pipe_ring.hpp"

namespace pipepool {

namespace {

// How long a read that would empty the buffer being written waits for more bytes, in pauses
// (about a microsecond).
constexpr unsigned kReadSpins = 64;

Pipe::Impl::FastResult entry_result(internal::Lane::Entry e) noexcept {
  return e == internal::Lane::Entry::busy ? Pipe::Impl::FastResult::contended
                                          : Pipe::Impl::FastResult::locked;
}

}  // namespace

Pipe::Impl::FastResult Pipe::Impl::fast_write(internal::IovCursor& from,
                                              std::size_t total) noexcept {
  if (const auto e = wlane.try_enter(); e != internal::Lane::Entry::entered) {
    return entry_result(e);
  }
  // The lane is open only with a last buffer (lanes_eligible), which stays while it is.
  const Buffer& last = slot(head - 1);
  const unsigned end = last_end.load(std::memory_order_relaxed);
  if ((last.flags & internal::kBufCanMerge) == 0 || end + total > kPageSize ||
      from.copyable() < total) {
    wlane.leave();
    return FastResult::locked;
  }
  (void)from.copy_out(static_cast<char*>(last.page) + end, total);  // checked: no fault
  last_end.store(end + static_cast<unsigned>(total), std::memory_order_release);
  internal::add(bytes_written, total);
  internal::add(writes, 1);
  wlane.leave();
  return FastResult::done;
}

Pipe::Impl::FastResult Pipe::Impl::fast_read(internal::IovCursor& to, std::size_t total) noexcept {
  if (const auto e = rlane.try_enter(); e != internal::Lane::Entry::entered) {
    return entry_result(e);
  }
  // Packets keep their one-per-read rule on the locked path; a read that would empty the tail
  // buffer releases its page and advances `tail` there. When the tail buffer is the one being
  // written, a read that would empty it first waits briefly for the writer's next bytes (the
  // read then takes the same bytes, later): a reader that keeps up would otherwise take the
  // mutex on every call.
  const Buffer& first = slot(tail);
  if ((first.flags & internal::kBufCanMerge) == 0 || to.copyable() < total) {
    rlane.leave();
    return FastResult::locked;
  }
  unsigned end = one_buffer ? last_end.load(std::memory_order_acquire) : first.offset + first.len;
  for (unsigned spins = 0; total >= end - tail_off; ++spins) {
    if (!one_buffer || spins == kReadSpins || end + total > kPageSize) {
      rlane.leave();
      return FastResult::locked;
    }
    internal::cpu_relax();
    end = last_end.load(std::memory_order_acquire);
  }
  (void)to.copy_in(static_cast<const char*>(first.page) + tail_off, total);  // checked: no fault
  tail_off += static_cast<unsigned>(total);
  internal::add(bytes_read, total);
  internal::add(reads, 1);
  rlane.leave();
  return FastResult::done;
}

}  // namespace pipepool
