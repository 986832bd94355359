// pipepool's descriptor table: the process's fd -> open-file map of the C API (the kernel's
// files_struct), over PipeEnds instead of struct files.
//
// Contract:
//   - Descriptor space: pipepool descriptors are the numbers [base(), INT_MAX]. The kernel never
//     hands out a descriptor at or above /proc/sys/fs/nr_open (read once, when the table is
//     made), and base() is max(2^30, nr_open), so no kernel descriptor of the process has a
//     pipepool number: a pipepool descriptor passed to a syscall fails with EBADF, and a kernel
//     descriptor passed to a pp_* call finds no slot (EBADF). 2^30 keeps the space large (2^30
//     numbers) while leaving room for every nr_open up to the default's thousandfold; when an
//     administrator raised nr_open above it, the space shrinks to [nr_open, INT_MAX] (at least
//     64 numbers, the kernel's nr_open maximum being INT_MAX rounded down to 64) and a full space
//     fails with EMFILE. Raising nr_open above base() after the table is made is not detected.
//   - Within the space the kernel's rules hold relative to base(): a new descriptor is the lowest
//     free number >= the requested minimum, and base() + limit is excluded, where limit is the
//     caller's RLIMIT_NOFILE (so at most RLIMIT_NOFILE pipepool descriptors are open).
//   - Each slot holds a shared_ptr<PipeEnd> (the open file description, shared by dup) and the
//     descriptor's own close-on-exec bit (not shared by dup).
//   - get() hands out a copy of the shared_ptr: a caller blocked in a read or write keeps the end
//     alive when another thread closes the descriptor, as the kernel's file refcount does.
//   - remove() returns the table's reference so that the caller drops it (possibly closing that
//     side of the pipe) after the table lock is released.
//   - fork(): the table lock is taken before fork, released in the parent and made anew in the
//     child, so the child's table is consistent (internal/fork_guard.hpp runs the handlers). In the
//     child, every open descriptor becomes inherited: its PipeEnd (and the pipe behind it, whose
//     locks may be held by threads that do not exist in the child) is leaked, never touched again;
//     get() returns nullptr and inherited() true for it; its number stays taken until remove()
//     frees it. The pipe's memory stays allocated in the child until it exits.
//   - A slot holds either a PipeEnd or a SharedEnd (a pipe shared between processes,
//     internal/shared_pipe.hpp). get() finds only PipeEnds and get_shared() only SharedEnds. A
//     SharedEnd is not marked inherited by fork: the fork handlers count it for the child
//     (internal/shared_fork.hpp) and it keeps working there.
//   - Every member is thread-safe and noexcept; allocation failures come back as -ENOMEM.
#pragma once

#include <memory>
#include <shared_mutex>
#include <vector>

#include "internal/pipe_core.hpp"

namespace pipepool::internal {

class GlobalLocks;
class SharedEnd;

class FdTable {
 public:
  // Computes the descriptor base from `nr_open` (the kernel's /proc/sys/fs/nr_open; <= 0 when
  // unknown, which assumes the default).
  // Throws std::bad_alloc.
  explicit FdTable(long nr_open);
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // The table behind the pp_* calls. Never destroyed (threads may still use it at exit).
  [[nodiscard]] static FdTable& global() noexcept;

  // The base for a given nr_open, as the constructor computes it.
  [[nodiscard]] static int base_for(long nr_open) noexcept;
  // The lowest pipepool descriptor number.
  [[nodiscard]] int base() const noexcept { return base_; }

  // Installs `end` at the lowest free descriptor in [min_fd, base() + limit). Returns it, or
  // -EMFILE when none is free, -ENOMEM when the table cannot grow. Requires base() <= min_fd,
  // limit >= 0 and end != nullptr.
  [[nodiscard]] int install(std::shared_ptr<PipeEnd> end, bool cloexec, int min_fd,
                            int limit) noexcept;
  // pipe(2): installs `first` at the lowest free descriptor and `second` at the next one, both
  // or neither. Returns 0 and fills `fds`, or -EMFILE / -ENOMEM.
  [[nodiscard]] int install_pair(std::shared_ptr<PipeEnd> first, std::shared_ptr<PipeEnd> second,
                                 bool cloexec, int limit, int fds[2]) noexcept;

  // The same for a shared pipe's end.
  [[nodiscard]] int install(std::shared_ptr<SharedEnd> end, bool cloexec, int min_fd,
                            int limit) noexcept;
  [[nodiscard]] int install_pair(std::shared_ptr<SharedEnd> first,
                                 std::shared_ptr<SharedEnd> second, bool cloexec, int limit,
                                 int fds[2]) noexcept;

  // The end open at `fd`, or nullptr when `fd` is not open (outside the space, closed), was
  // inherited across fork or holds a shared pipe's end.
  [[nodiscard]] std::shared_ptr<PipeEnd> get(int fd) const noexcept;
  // The shared pipe's end open at `fd`, or nullptr.
  [[nodiscard]] std::shared_ptr<SharedEnd> get_shared(int fd) const noexcept;
  // True when `fd` is a descriptor inherited across fork and not closed since.
  [[nodiscard]] bool inherited(int fd) const noexcept;
  // Closes `fd`: returns 0 and the end it held in `out` (nullptr for an inherited descriptor,
  // whose end is leaked), or -EBADF when it was not open.
  [[nodiscard]] int remove(int fd, std::shared_ptr<PipeEnd>& out) noexcept;
  // The same, returning a shared pipe's end in `shared_out`.
  [[nodiscard]] int remove(int fd, std::shared_ptr<PipeEnd>& out,
                           std::shared_ptr<SharedEnd>& shared_out) noexcept;

  // The close-on-exec bit: 1 or 0, or -1 when `fd` is not open or inherited.
  [[nodiscard]] int cloexec(int fd) const noexcept;
  // Sets the close-on-exec bit. Returns false when `fd` is not open or inherited.
  bool set_cloexec(int fd, bool on) noexcept;

  // Number of descriptors taken (inherited ones included).
  [[nodiscard]] int open_count() const noexcept;

  // In the child of fork(), with the lock taken by the prepare handler (internal/fork_guard.hpp):
  // marks every open descriptor inherited and makes a new, unlocked lock.
  void after_fork_child() noexcept;

  // With the lock held by fork's handlers (or in the single-threaded fork child): calls `f` with
  // every shared end, once per descriptor that holds it.
  template <typename F>
  void for_each_shared_locked(F&& f) {
    for (Slot& slot : slots_) {
      if (slot.shared) f(*slot.shared);
    }
  }

 private:
  friend class GlobalLocks;
  struct Slot {
    std::shared_ptr<PipeEnd> end;
    std::shared_ptr<SharedEnd> shared;  // set instead of `end` for a shared pipe
    bool cloexec = false;
    bool inherited = false;  // `end` is leaked: never copied, reset or destroyed
    [[nodiscard]] bool taken() const noexcept { return end != nullptr || shared != nullptr; }
  };

  // The slot of `fd`, or nullptr when `fd` is outside the table. Under the lock.
  [[nodiscard]] Slot* slot_locked(int fd) noexcept;
  [[nodiscard]] const Slot* slot_locked(int fd) const noexcept;
  // Under the exclusive lock: the lowest free index in [from, limit), growing the vector as
  // needed. Returns -EMFILE / -ENOMEM on failure. Does not occupy the slot.
  int find_free_locked(int from, int limit) noexcept;
  void occupy_locked(int index, Slot slot, int min_index) noexcept;
  int install_slot(Slot slot, int min_fd, int limit) noexcept;
  int install_slot_pair(Slot first, Slot second, int limit, int fds[2]) noexcept;
  // The index limit for a caller's RLIMIT_NOFILE: capped by the size of the space.
  [[nodiscard]] int index_limit(int limit) const noexcept;

  const int base_;
  // The table lock. A pointer: the child of a fork gets a new one (see after_fork_child()).
  std::shared_mutex* mutex_;
  std::vector<Slot> slots_;  // guarded by mutex_; slot i is descriptor base_ + i
  int next_free_ = 0;        // every slot below it is in use (the kernel's next_fd)
  int open_ = 0;
};

}  // namespace pipepool::internal
