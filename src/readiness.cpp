// Readiness descriptors: eventfds that follow a pipe end's poll state (internal/readiness.hpp).
#include "internal/readiness.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "internal/pipe_core.hpp"

namespace pipepool::internal {
namespace {

constexpr unsigned kReadEnd = 1u << 0;
constexpr unsigned kWriteEnd = 1u << 1;

constexpr unsigned end_bit(bool writer) noexcept {
  return writer ? kWriteEnd : kReadEnd;
}

struct Effect {
  unsigned raised;
  unsigned lowered;
};

constexpr Effect effect(Readiness::Change change) noexcept {
  switch (change) {
    case Readiness::Change::wrote:
      return {kReadEnd, kWriteEnd};
    case Readiness::Change::read:
      return {kWriteEnd, kReadEnd};
    case Readiness::Change::resized:
      return {kWriteEnd, kWriteEnd};
    case Readiness::Change::closed:
      return {kReadEnd | kWriteEnd, 0};
  }
  return {kReadEnd | kWriteEnd, kReadEnd | kWriteEnd};
}

// The poll bits that make an end's descriptor readable.
short ready_bits(bool writer) noexcept {
  return writer ? static_cast<short>(POLLOUT | POLLERR) : static_cast<short>(POLLIN | POLLHUP);
}

}  // namespace

Readiness::~Readiness() {
  for (const Watcher& w : list_) ::close(w.fd);
}

int Readiness::watch(const Pipe& pipe, const PipeEnd& end, bool writer) noexcept {
  std::lock_guard lock(mutex_);
  for (const Watcher& w : list_) {
    if (w.end == &end) return w.fd;
  }
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return -errno;
  try {
    list_.push_back({&end, fd, writer, false, false, false});
  } catch (const std::bad_alloc&) {
    ::close(fd);
    return -ENOMEM;
  }
  pipe_ = &pipe;
  // Published before the first sample (which takes the pipe mutex): an operation that misses this
  // store finished its change before that sample, so the sample sees it.
  watchers_.fetch_add(1, std::memory_order_relaxed);
  sync_locked(list_.back());
  return fd;
}

void Readiness::unwatch(const PipeEnd& end) noexcept {
  // Only `end`'s own watch() could have added it, and that call happened before its destruction.
  if (watchers_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(mutex_);
  const auto it =
      std::find_if(list_.begin(), list_.end(), [&end](const Watcher& w) { return w.end == &end; });
  if (it == list_.end()) return;
  ::close(it->fd);
  list_.erase(it);
  watchers_.fetch_sub(1, std::memory_order_relaxed);
}

void Readiness::update(Change change) noexcept {
  if (void (*hook)() = test_hooks::before_readiness_update.load(std::memory_order_acquire)) hook();
  const Effect e = effect(change);
  raised_.fetch_or(e.raised, std::memory_order_relaxed);
  lowered_.fetch_or(e.lowered, std::memory_order_relaxed);
  // The first caller runs the passes; a caller that finds one running leaves its bits for it.
  if (requests_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  unsigned seen = 1;
  for (;;) {
    const unsigned raised = raised_.exchange(0, std::memory_order_acq_rel);
    const unsigned lowered = lowered_.exchange(0, std::memory_order_acq_rel);
    {
      std::lock_guard lock(mutex_);
      for (Watcher& w : list_) {
        const unsigned bit = end_bit(w.writer);
        w.raised |= (raised & bit) != 0;
        w.lowered |= (lowered & bit) != 0;
        sync_locked(w);
      }
    }
    // Done unless someone asked after `seen` was counted; then their change may postdate the
    // samples just taken, so take them again.
    if (requests_.compare_exchange_strong(seen, 0, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return;
    }
  }
}

void Readiness::sync_locked(Watcher& w) noexcept {
  const bool ready = (pipe_->poll(w.writer) & ready_bits(w.writer)) != 0;
  if (ready && (!w.signaled || (w.raised && w.lowered))) {
    // Counter overflow (EAGAIN) would need 2^64 - 2 edges without one clear: not reachable.
    (void)::eventfd_write(w.fd, 1);
    w.signaled = true;
    w.raised = w.lowered = false;
  } else if (!ready && w.signaled) {
    eventfd_t value = 0;
    (void)::eventfd_read(w.fd, &value);
    w.signaled = false;
    w.raised = w.lowered = false;
  }
}

}  // namespace pipepool::internal
