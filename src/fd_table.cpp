#include "internal/fd_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

#include "internal/fork_guard.hpp"
#include "internal/shared_pipe.hpp"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace pipepool::internal {
namespace {

constexpr std::size_t kInitialSlots = 64;
// The preferred base: far above the kernel's default nr_open (2^20), with 2^30 numbers above it.
constexpr long kPreferredBase = 1L << 30;

// /proc/sys/fs/nr_open, or -1 when it cannot be read.
long read_nr_open() noexcept {
  const int fd = ::open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  char* end = nullptr;
  const long v = std::strtol(buf, &end, 10);
  return end == buf ? -1 : v;
}

// Tells a race detector that the forking thread let go of `mutex`, which it took exclusively in
// the prepare handler and which the child leaks still locked in memory. Without this the child's
// thread holds it forever as far as the detector knows, and every lock it takes afterwards counts
// as nested inside it (a false lock-order inversion with the prepare handler's order).
void forget_held(std::shared_mutex* mutex) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_mutex_pre_unlock(mutex, 0);
  __tsan_mutex_post_unlock(mutex, 0);
#else
  (void)mutex;
#endif
}

// Makes `p` empty without releasing its reference: the end it pointed to is never touched
// again (its pipe's locks may be held by a thread that exists only in the parent).
void leak(std::shared_ptr<PipeEnd>& p) noexcept {
  std::construct_at(&p);
}

}  // namespace

int FdTable::base_for(long nr_open) noexcept {
  // The kernel caps nr_open at INT_MAX rounded down to a multiple of 64: the space keeps at
  // least 64 numbers whatever the setting.
  const long base = std::max(kPreferredBase, nr_open);
  return static_cast<int>(std::min<long>(base, INT_MAX - 63));
}

FdTable::FdTable(long nr_open) : base_(base_for(nr_open)), mutex_(new std::shared_mutex) {}

FdTable::~FdTable() {
  delete mutex_;
}

FdTable& FdTable::global() noexcept {
  static FdTable* const table = [] {
    register_fork_handlers();
    return new FdTable(read_nr_open());
  }();
  return *table;
}

int FdTable::index_limit(int limit) const noexcept {
  const long space = static_cast<long>(INT_MAX) - base_ + 1;
  return static_cast<int>(std::min<long>(std::max(limit, 0), space));
}

FdTable::Slot* FdTable::slot_locked(int fd) noexcept {
  if (fd < base_) return nullptr;
  const auto index = static_cast<std::size_t>(fd - base_);
  return index < slots_.size() ? &slots_[index] : nullptr;
}

const FdTable::Slot* FdTable::slot_locked(int fd) const noexcept {
  return const_cast<FdTable*>(this)->slot_locked(fd);
}

int FdTable::find_free_locked(int from, int limit) noexcept {
  int index = std::max(from, next_free_);
  const int size = static_cast<int>(slots_.size());
  while (index < size && index < limit && slots_[static_cast<std::size_t>(index)].taken()) ++index;
  if (index >= limit) return -EMFILE;
  if (index >= size) {
    const std::size_t want = std::min<std::size_t>(
        static_cast<std::size_t>(limit),
        std::max({static_cast<std::size_t>(index) + 1, slots_.size() * 2, kInitialSlots}));
    try {
      slots_.resize(want);
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
  }
  return index;
}

void FdTable::occupy_locked(int index, Slot slot, int min_index) noexcept {
  slot.inherited = false;
  slots_[static_cast<std::size_t>(index)] = std::move(slot);
  ++open_;
  // The search started at next_free_, so every slot in [next_free_, index] is now in use.
  if (min_index <= next_free_) next_free_ = index + 1;
}

int FdTable::install_slot(Slot slot, int min_fd, int limit) noexcept {
  const int min_index = min_fd - base_;
  std::unique_lock lock(*mutex_);
  const int index = find_free_locked(min_index, index_limit(limit));
  if (index < 0) return index;
  occupy_locked(index, std::move(slot), min_index);
  return base_ + index;
}

int FdTable::install_slot_pair(Slot first, Slot second, int limit, int fds[2]) noexcept {
  const int max = index_limit(limit);
  std::unique_lock lock(*mutex_);
  const int a = find_free_locked(0, max);
  if (a < 0) return a;
  const int b = find_free_locked(a + 1, max);
  if (b < 0) return b;
  occupy_locked(a, std::move(first), 0);
  occupy_locked(b, std::move(second), 0);
  fds[0] = base_ + a;
  fds[1] = base_ + b;
  return 0;
}

int FdTable::install(std::shared_ptr<PipeEnd> end, bool cloexec, int min_fd, int limit) noexcept {
  return install_slot(Slot{std::move(end), nullptr, cloexec, false}, min_fd, limit);
}

int FdTable::install_pair(std::shared_ptr<PipeEnd> first, std::shared_ptr<PipeEnd> second,
                          bool cloexec, int limit, int fds[2]) noexcept {
  return install_slot_pair(Slot{std::move(first), nullptr, cloexec, false},
                           Slot{std::move(second), nullptr, cloexec, false}, limit, fds);
}

int FdTable::install(std::shared_ptr<SharedEnd> end, bool cloexec, int min_fd, int limit) noexcept {
  return install_slot(Slot{nullptr, std::move(end), cloexec, false}, min_fd, limit);
}

int FdTable::install_pair(std::shared_ptr<SharedEnd> first, std::shared_ptr<SharedEnd> second,
                          bool cloexec, int limit, int fds[2]) noexcept {
  return install_slot_pair(Slot{nullptr, std::move(first), cloexec, false},
                           Slot{nullptr, std::move(second), cloexec, false}, limit, fds);
}

std::shared_ptr<PipeEnd> FdTable::get(int fd) const noexcept {
  std::shared_lock lock(*mutex_);
  const Slot* slot = slot_locked(fd);
  if (slot == nullptr || slot->inherited) return nullptr;
  return slot->end;
}

std::shared_ptr<SharedEnd> FdTable::get_shared(int fd) const noexcept {
  std::shared_lock lock(*mutex_);
  const Slot* slot = slot_locked(fd);
  if (slot == nullptr) return nullptr;
  return slot->shared;
}

bool FdTable::inherited(int fd) const noexcept {
  std::shared_lock lock(*mutex_);
  const Slot* slot = slot_locked(fd);
  return slot != nullptr && slot->inherited;
}

int FdTable::remove(int fd, std::shared_ptr<PipeEnd>& out) noexcept {
  std::shared_ptr<SharedEnd> shared;
  return remove(fd, out, shared);  // a shared end is dropped here, after the lock
}

int FdTable::remove(int fd, std::shared_ptr<PipeEnd>& out,
                    std::shared_ptr<SharedEnd>& shared_out) noexcept {
  std::unique_lock lock(*mutex_);
  Slot* slot = slot_locked(fd);
  if (slot == nullptr || !slot->taken()) return -EBADF;
  if (slot->inherited) {
    leak(slot->end);
    out.reset();
  } else {
    out = std::move(slot->end);
    slot->end.reset();
  }
  shared_out = std::move(slot->shared);
  slot->shared.reset();
  slot->cloexec = false;
  slot->inherited = false;
  --open_;
  next_free_ = std::min(next_free_, fd - base_);
  return 0;
}

int FdTable::cloexec(int fd) const noexcept {
  std::shared_lock lock(*mutex_);
  const Slot* slot = slot_locked(fd);
  if (slot == nullptr || !slot->taken() || slot->inherited) return -1;
  return slot->cloexec ? 1 : 0;
}

bool FdTable::set_cloexec(int fd, bool on) noexcept {
  std::unique_lock lock(*mutex_);
  Slot* slot = slot_locked(fd);
  if (slot == nullptr || !slot->taken() || slot->inherited) return false;
  slot->cloexec = on;
  return true;
}

int FdTable::open_count() const noexcept {
  std::shared_lock lock(*mutex_);
  return open_;
}

namespace {
// The lock a fork child inherited locked, kept reachable (one per fork generation) so that a leak
// checker at the child's exit does not report it.
std::atomic<std::shared_mutex*> inherited_lock{nullptr};
}  // namespace

void FdTable::after_fork_child() noexcept {
  // The forking thread took the lock in prepare, so no other thread was inside the table.
  for (Slot& slot : slots_) {
    if (slot.end) slot.inherited = true;  // a shared end keeps working (internal/shared_fork.hpp)
  }
  // A fresh lock rather than an unlock: glibc's rwlock recognises its writer by thread id, which
  // the forking thread does not keep in the child. A new object (the locked one is leaked), so
  // that a race detector sees an unlocked mutex too; in place when memory is short.
  forget_held(mutex_);
  auto* fresh = new (std::nothrow) std::shared_mutex;
  if (fresh != nullptr) {
    inherited_lock.store(mutex_, std::memory_order_relaxed);
    mutex_ = fresh;
  } else {
    std::construct_at(mutex_);
  }
}

}  // namespace pipepool::internal
