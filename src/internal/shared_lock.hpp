// The lock and the waits of a shared pipe (internal/shared_layout.hpp), between processes.
//
// Contract:
//   - The mutex is a pthread mutex made PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST: shared,
//     because processes other than its maker lock it; robust, because a process killed while it
//     holds the mutex would otherwise leave it locked forever. The kernel walks a dying thread's
//     robust list and marks the mutex; the next locker gets EOWNERDEAD, repairs the state
//     (recover()) and calls pthread_mutex_consistent.
//   - Waits sleep on the futex words of the header with non-private futex calls (the private
//     ones key the word by the process's address space, so another process's wake would never
//     reach them). A waiter reads the word under the mutex, unlocks and polls it for a few
//     microseconds; if it did not move, the waiter retakes the mutex, and unless the word moved
//     meanwhile counts itself in *_waiting, unlocks and sleeps while the word is unchanged. A
//     waker changes the state and bumps the word under the mutex, and calls FUTEX_WAKE only when
//     someone sleeps (counted): a poller sees the bump without a system call on either side. No
//     wake-up is lost: a bump after the count is seen by the sleep or wakes it. Room and data
//     wake one sleeper, which wakes the next if something is left for it (the kernel's exclusive
//     waits); closes and deaths wake all.
//   - The mutex is taken with a short spin of try-locks before blocking (holds are short), and
//     counts its acquisitions, contention and hold and wait times in the header (LockCounters).
//   - Process death: a sleep lasts at most kReapInterval. On timeout the waiter checks every
//     process in the header's table (process_alive()) and drops the ends of the dead ones, then
//     re-checks its condition. So a killed peer's ends count as closed within kReapInterval of
//     the first wait that follows its death.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include "internal/shared_layout.hpp"

namespace pipepool::internal::shared {

inline constexpr std::chrono::milliseconds kReapInterval{50};

// Initialises `h.mutex` as a process-shared robust mutex. Returns 0 or an errno.
int init_mutex(Header& h) noexcept;

// Holds the mutex of `h` for its lifetime, repairing the state first when the previous holder
// died.
class SharedLock {
 public:
  explicit SharedLock(Header& h) noexcept;
  ~SharedLock();
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;

  enum class Wait { woken, timed_out, interrupted };
  // Drops the lock, sleeps while `word` still holds the value it had at the call (at most
  // kReapInterval), retakes the lock. `waiting` counts the sleeper meanwhile. On timeout, reaps
  // dead processes before returning.
  Wait wait(std::atomic<std::uint32_t>& word, std::uint32_t& waiting) noexcept;

 private:
  Header& h_;
  std::uint64_t since_;  // lock_ticks() when the mutex was had
};

// Bumps `word` (under the mutex); returns true when someone sleeps on it and must be woken.
bool bump(std::atomic<std::uint32_t>& word, std::uint32_t waiting) noexcept;
// Wakes every sleeper on `word`, one of `h`'s futex words (outside the mutex is fine).
void wake_all(Header& h, std::atomic<std::uint32_t>& word) noexcept;
// Wakes one sleeper on `word` (the kernel's exclusive waits: the woken one wakes the next when
// there is more for it).
void wake_one(Header& h, std::atomic<std::uint32_t>& word) noexcept;

// Under the mutex: the process table entry of `pid`, or nullptr. With `create`, a free entry is
// claimed for it when it has none (nullptr when the table is full).
ProcEntry* find_proc(Header& h, pid_t pid, bool create) noexcept;
// Under the mutex: adds (delta > 0) or removes ends of one side for `pid`'s entry and the totals;
// frees the entry when it holds no end. Returns false when the table is full (nothing changed).
bool add_ends(Header& h, pid_t pid, bool writer, int delta) noexcept;
// Under the mutex: drops the ends of every process that is gone; wakes everybody when it dropped
// any. Returns the number of processes dropped.
int reap_dead(Header& h) noexcept;
// True when `pid` runs and still maps the pipe at `map_start` (a process that exited, a zombie, a
// process that exec'd and a new process that reuses the number all count as gone).
[[nodiscard]] bool process_alive(pid_t pid, std::uintptr_t map_start) noexcept;
// Wakes every reader and writer sleeping on `h`.
void wake_everybody(Header& h) noexcept;

}  // namespace pipepool::internal::shared
