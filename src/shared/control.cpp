// F_GETPIPE_SZ / F_SETPIPE_SZ, FIONREAD and poll of a shared pipe (internal/shared_pipe.hpp).
#include <poll.h>

#include <array>
#include <bit>
#include <cerrno>

#include "internal/shared_layout.hpp"
#include "internal/shared_lock.hpp"
#include "internal/shared_pipe.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool::internal {

using shared::Header;
using shared::SharedLock;

long SharedEnd::size() const noexcept {
  Header& h = map_->header();
  SharedLock lock(h);
  return static_cast<long>(std::size_t{h.max_usage} * shared::kPage);
}

long SharedEnd::set_size(unsigned bytes) noexcept {
  if (detached_) return -EIO;
  // The kernel's rounding: below a page means a page; above 2^31 is invalid; else the next power
  // of two. The arena has pages for pipe-max-size at most, whatever the caller's privileges.
  if (bytes > (1U << 31)) return -EINVAL;
  const std::size_t size = std::bit_ceil(std::max<std::size_t>(bytes, shared::kPage));
  if (size > kPipeMaxSize) return -EPERM;
  const auto slots = static_cast<std::uint32_t>(size / shared::kPage);
  Header& h = map_->header();
  bool grew = false;
  {
    SharedLock lock(h);
    const std::uint32_t used = h.head - h.tail;
    if (slots < used) return -EBUSY;
    std::array<shared::Slot, shared::kMaxSlots> kept;
    for (std::uint32_t i = 0; i < used; ++i) kept[i] = shared::slot_at(h, h.tail + i);
    grew = slots > h.max_usage;
    h.ring_size = slots;
    h.max_usage = slots;
    for (std::uint32_t i = 0; i < used; ++i) h.slots[i] = kept[i];
    h.tail = 0;
    h.head = used;
    if (grew) (void)shared::bump(h.write_seq, h.writers_waiting);
  }
  if (grew) shared::wake_all(h, h.write_seq);
  return static_cast<long>(size);
}

std::size_t SharedEnd::bytes_available() const noexcept {
  Header& h = map_->header();
  SharedLock lock(h);
  std::size_t n = 0;
  for (std::uint32_t i = h.tail; i != h.head; ++i) n += shared::slot_at(h, i).len;
  return n;
}

short SharedEnd::poll() const noexcept {
  if (detached_) return POLLERR;
  Header& h = map_->header();
  SharedLock lock(h);
  short mask = 0;
  if (writer_) {
    if (h.head - h.tail < h.max_usage) mask |= POLLOUT | POLLWRNORM;
    if (h.readers == 0) mask |= POLLERR;
  } else {
    if (h.head != h.tail) mask |= POLLIN | POLLRDNORM;
    if (h.writers == 0) mask |= POLLHUP;
  }
  return mask;
}

}  // namespace pipepool::internal
