// Making a shared pipe, its ends' lifetime and their fork bookkeeping (internal/shared_pipe.hpp).
#include "pipepool/pipe.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "internal/shared_layout.hpp"
#include "internal/shared_lock.hpp"
#include "internal/shared_pipe.hpp"

namespace pipepool::internal {

using shared::Header;
using shared::SharedLock;

SharedMapping::~SharedMapping() {
  ::munmap(header_, header_->map_len);
}

SharedEnd::SharedEnd(std::shared_ptr<SharedMapping> map, bool writer, int flags,
                     bool sigpipe) noexcept
    : map_(std::move(map)), writer_(writer), sigpipe_(sigpipe), flags_(flags & O_NONBLOCK) {
  Header& h = map_->header();
  SharedLock lock(h);
  detached_ = !shared::add_ends(h, getpid(), writer_, 1);
}

SharedEnd::~SharedEnd() {
  if (detached_) return;
  Header& h = map_->header();
  bool last = false;
  {
    SharedLock lock(h);
    (void)shared::add_ends(h, getpid(), writer_, -1);
    last = (writer_ ? h.writers : h.readers) == 0;
  }
  if (last) shared::wake_everybody(h);
}

int SharedEnd::flags() const noexcept {
  return (writer_ ? O_WRONLY : O_RDONLY) | flags_.load(std::memory_order_relaxed);
}

int SharedEnd::set_flags(int flags) noexcept {
  if (flags & (O_DIRECT | O_ASYNC)) return -EINVAL;
  flags_.store(flags & O_NONBLOCK, std::memory_order_relaxed);
  return 0;
}

void SharedEnd::lend_for_fork() noexcept {
  if (detached_) return;
  Header& h = map_->header();
  SharedLock lock(h);
  (void)shared::add_ends(h, getpid(), writer_, 1);
}

void SharedEnd::return_after_failed_fork() noexcept {
  if (detached_) return;
  Header& h = map_->header();
  SharedLock lock(h);
  (void)shared::add_ends(h, getpid(), writer_, -1);
}

void SharedEnd::adopt_after_fork(pid_t parent) noexcept {
  if (detached_) return;
  Header& h = map_->header();
  SharedLock lock(h);
  shared::ProcEntry* const lender = shared::find_proc(h, parent, false);
  const bool lent = lender != nullptr && (writer_ ? lender->writers : lender->readers) != 0;
  // The parent's entry carries the reference it lent before fork; it moves to this process. When
  // the parent's entry is gone (it died and was reaped), the reference was dropped with it.
  if (!shared::add_ends(h, getpid(), writer_, 1)) {
    detached_ = true;
    if (lent) (void)shared::add_ends(h, parent, writer_, -1);
    return;
  }
  if (lent) (void)shared::add_ends(h, parent, writer_, -1);
}

int make_shared_pipe(const SharedConfig& config, std::shared_ptr<SharedEnd>& reader,
                     std::shared_ptr<SharedEnd>& writer) noexcept {
  if (config.cache == 0 || config.cache > shared::kMaxCache) return EINVAL;
  // MFD_CLOEXEC: the memfd is closed right after mmap anyway; the flag keeps a concurrent exec
  // from inheriting it in between.
  const int fd = ::memfd_create("pipepool", MFD_CLOEXEC);
  if (fd < 0) return errno;
  if (::ftruncate(fd, static_cast<off_t>(shared::kMapLen)) != 0) {
    const int e = errno;
    ::close(fd);
    return e;
  }
  void* const mem = ::mmap(nullptr, shared::kMapLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (mem == MAP_FAILED) return map_errno;
  // A fresh memfd reads as zeros: every field starts at 0.
  auto* const h = static_cast<Header*>(mem);
  h->magic = shared::kMagic;
  h->map_start = reinterpret_cast<std::uintptr_t>(mem);
  h->map_len = shared::kMapLen;
  h->ring_size = kDefaultRingSize;
  h->max_usage = kDefaultRingSize;
  h->cache_size = config.cache;
  for (std::uint32_t& c : h->cache) c = shared::kNoPage;
  h->free_count = shared::kArenaPages;
  for (std::uint32_t p = 0; p < shared::kArenaPages; ++p) {
    h->free_pages[p] = shared::kArenaPages - 1 - p;  // page 0 on top
  }
  if (const int e = shared::init_mutex(*h); e != 0) {
    ::munmap(mem, shared::kMapLen);
    return e;
  }
  try {
    auto map = std::make_shared<SharedMapping>(h);
    const int nonblock = config.nonblocking ? O_NONBLOCK : 0;
    reader = std::make_shared<SharedEnd>(map, false, nonblock, config.sigpipe);
    writer = std::make_shared<SharedEnd>(std::move(map), true, nonblock, config.sigpipe);
  } catch (const std::bad_alloc&) {
    reader.reset();
    writer.reset();
    return ENOMEM;
  }
  return 0;
}

}  // namespace pipepool::internal
