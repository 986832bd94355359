#include "internal/fd_table.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>
#include <utility>

namespace pipepool::internal {
namespace {

constexpr std::size_t kInitialSlots = 64;

}  // namespace

FdTable& FdTable::global() noexcept {
  static FdTable* const table = new FdTable;
  return *table;
}

int FdTable::find_free_locked(int from, int limit) noexcept {
  int fd = std::max(from, next_free_);
  const int size = static_cast<int>(slots_.size());
  while (fd < size && fd < limit && slots_[static_cast<std::size_t>(fd)].end) ++fd;
  if (fd >= limit) return -EMFILE;
  if (fd >= size) {
    const std::size_t want = std::min<std::size_t>(
        static_cast<std::size_t>(limit),
        std::max({static_cast<std::size_t>(fd) + 1, slots_.size() * 2, kInitialSlots}));
    try {
      slots_.resize(want);
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
  }
  return fd;
}

void FdTable::occupy_locked(int fd, std::shared_ptr<PipeEnd> end, bool cloexec,
                            int min_fd) noexcept {
  Slot& slot = slots_[static_cast<std::size_t>(fd)];
  slot.end = std::move(end);
  slot.cloexec = cloexec;
  ++open_;
  // The search started at next_free_, so every slot in [next_free_, fd] is now in use.
  if (min_fd <= next_free_) next_free_ = fd + 1;
}

int FdTable::install(std::shared_ptr<PipeEnd> end, bool cloexec, int min_fd, int limit) noexcept {
  std::unique_lock lock(mutex_);
  const int fd = find_free_locked(min_fd, limit);
  if (fd < 0) return fd;
  occupy_locked(fd, std::move(end), cloexec, min_fd);
  return fd;
}

int FdTable::install_pair(std::shared_ptr<PipeEnd> first, std::shared_ptr<PipeEnd> second,
                          bool cloexec, int limit, int fds[2]) noexcept {
  std::unique_lock lock(mutex_);
  const int a = find_free_locked(0, limit);
  if (a < 0) return a;
  const int b = find_free_locked(a + 1, limit);
  if (b < 0) return b;
  occupy_locked(a, std::move(first), cloexec, 0);
  occupy_locked(b, std::move(second), cloexec, 0);
  fds[0] = a;
  fds[1] = b;
  return 0;
}

std::shared_ptr<PipeEnd> FdTable::get(int fd) const noexcept {
  std::shared_lock lock(mutex_);
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return nullptr;
  return slots_[static_cast<std::size_t>(fd)].end;
}

std::shared_ptr<PipeEnd> FdTable::remove(int fd) noexcept {
  std::unique_lock lock(mutex_);
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return nullptr;
  Slot& slot = slots_[static_cast<std::size_t>(fd)];
  if (!slot.end) return nullptr;
  std::shared_ptr<PipeEnd> end = std::move(slot.end);
  slot.end.reset();
  slot.cloexec = false;
  --open_;
  next_free_ = std::min(next_free_, fd);
  return end;
}

int FdTable::cloexec(int fd) const noexcept {
  std::shared_lock lock(mutex_);
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return -1;
  const Slot& slot = slots_[static_cast<std::size_t>(fd)];
  if (!slot.end) return -1;
  return slot.cloexec ? 1 : 0;
}

bool FdTable::set_cloexec(int fd, bool on) noexcept {
  std::unique_lock lock(mutex_);
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return false;
  Slot& slot = slots_[static_cast<std::size_t>(fd)];
  if (!slot.end) return false;
  slot.cloexec = on;
  return true;
}

int FdTable::open_count() const noexcept {
  std::shared_lock lock(mutex_);
  return open_;
}

}  // namespace pipepool::internal
