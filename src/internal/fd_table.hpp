// pipepool's descriptor table: the process's fd -> open-file map of the C API (the kernel's
// files_struct), over PipeEnds instead of struct files.
//
// Contract:
//   - Descriptors are small non-negative ints; a new one is the lowest free number >= the
//     requested minimum and < the caller's limit (RLIMIT_NOFILE for pp_*), like the kernel.
//   - Each slot holds a shared_ptr<PipeEnd> (the open file description, shared by dup) and the
//     descriptor's own close-on-exec bit (not shared by dup).
//   - get() hands out a copy of the shared_ptr: a caller blocked in a read or write keeps the end
//     alive when another thread closes the descriptor, as the kernel's file refcount does.
//   - remove() returns the table's reference so that the caller drops it (possibly closing that
//     side of the pipe) after the table lock is released.
//   - Every member is thread-safe and noexcept; allocation failures come back as -ENOMEM.
#pragma once

#include <memory>
#include <shared_mutex>
#include <vector>

#include "internal/pipe_core.hpp"

namespace pipepool::internal {

class FdTable {
 public:
  FdTable() = default;
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // The table behind the pp_* calls. Never destroyed (threads may still use it at exit).
  [[nodiscard]] static FdTable& global() noexcept;

  // Installs `end` at the lowest free descriptor in [min_fd, limit). Returns it, or -EMFILE when
  // none is free, -ENOMEM when the table cannot grow. Requires 0 <= min_fd and end != nullptr.
  [[nodiscard]] int install(std::shared_ptr<PipeEnd> end, bool cloexec, int min_fd,
                            int limit) noexcept;
  // pipe(2): installs `first` at the lowest free descriptor and `second` at the next one, both
  // or neither. Returns 0 and fills `fds`, or -EMFILE / -ENOMEM.
  [[nodiscard]] int install_pair(std::shared_ptr<PipeEnd> first, std::shared_ptr<PipeEnd> second,
                                 bool cloexec, int limit, int fds[2]) noexcept;

  // The end open at `fd`, or nullptr when `fd` is not open (negative, out of range, closed).
  [[nodiscard]] std::shared_ptr<PipeEnd> get(int fd) const noexcept;
  // Closes `fd`: returns the end it held, or nullptr when it was not open.
  [[nodiscard]] std::shared_ptr<PipeEnd> remove(int fd) noexcept;

  // The close-on-exec bit: 1 or 0, or -1 when `fd` is not open.
  [[nodiscard]] int cloexec(int fd) const noexcept;
  // Sets the close-on-exec bit. Returns false when `fd` is not open.
  bool set_cloexec(int fd, bool on) noexcept;

  // Number of open descriptors.
  [[nodiscard]] int open_count() const noexcept;

 private:
  struct Slot {
    std::shared_ptr<PipeEnd> end;
    bool cloexec = false;
  };

  // Under the exclusive lock: the lowest free slot in [from, limit), growing the vector as
  // needed. Returns -EMFILE / -ENOMEM on failure. Does not occupy the slot.
  int find_free_locked(int from, int limit) noexcept;
  void occupy_locked(int fd, std::shared_ptr<PipeEnd> end, bool cloexec, int min_fd) noexcept;

  mutable std::shared_mutex mutex_;
  std::vector<Slot> slots_;  // guarded by mutex_
  int next_free_ = 0;        // every slot below it is in use (the kernel's next_fd)
  int open_ = 0;
};

}  // namespace pipepool::internal
