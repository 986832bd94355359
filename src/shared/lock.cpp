// The process-shared robust lock, the cross-process waits and the dead-process reaper of a shared
// pipe (internal/shared_lock.hpp).
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "internal/futex.hpp"
#include "internal/lock_clock.hpp"
#include "internal/shared_lock.hpp"

namespace pipepool::internal::shared {
namespace {

// Non-private futex calls: the word is shared with other processes.
int futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                   const timespec& timeout) noexcept {
  const long r = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected,
                         &timeout, nullptr, 0);
  return r == 0 ? 0 : errno;
}

// How long a waiter polls its futex word before it sleeps, and how many times a locker finding the
// mutex held looks again before it blocks: both sides of a pipe usually run at once on different
// CPUs, where the change or the release comes sooner than a futex sleep and wake-up would.
constexpr std::chrono::nanoseconds kWaitSpin{10'000};
constexpr int kLockSpins = 100;

// Polls `word` while it holds `seen`, at most kWaitSpin. True when it changed.
bool spin_until_changed(const std::atomic<std::uint32_t>& word, std::uint32_t seen) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + kWaitSpin;
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (word.load(std::memory_order_relaxed) != seen) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

// After a holder died: the totals from the process table, the free pages from the ring and the
// cache, and the ends of every dead process dropped.
void recover(Header& h) noexcept {
  std::uint32_t readers = 0;
  std::uint32_t writers = 0;
  for (const ProcEntry& p : h.procs) {
    if (p.pid == 0) continue;
    readers += p.readers;
    writers += p.writers;
  }
  h.readers = readers;
  h.writers = writers;
  rebuild_free_pages(h);
  ++h.counters.recoveries;
  (void)reap_dead(h);
  wake_everybody(h);
}

// Takes the mutex; repairs the state first when its previous holder died. Counts the acquisition
// and returns the tick at which it was had.
std::uint64_t lock_and_repair(Header& h) noexcept {
  const std::uint64_t asked = lock_ticks();
  int e = pthread_mutex_trylock(&h.mutex);
  const bool contended = e == EBUSY;
  for (int i = 0; e == EBUSY && i < kLockSpins; ++i) {
    cpu_relax();
    e = pthread_mutex_trylock(&h.mutex);
  }
  if (e == EBUSY) e = pthread_mutex_lock(&h.mutex);
  if (e == EOWNERDEAD) {
    recover(h);
    pthread_mutex_consistent(&h.mutex);
  }
  const std::uint64_t had = lock_ticks();
  ++h.lock.acquisitions;
  if (contended) {
    ++h.lock.contended;
    h.lock.wait_ticks += had - asked;
  }
  return had;
}

void unlock(Header& h, std::uint64_t since) noexcept {
  h.lock.hold_ticks += lock_ticks() - since;
  pthread_mutex_unlock(&h.mutex);
}

}  // namespace

int init_mutex(Header& h) noexcept {
  pthread_mutexattr_t attr;
  int e = pthread_mutexattr_init(&attr);
  if (e != 0) return e;
  e = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (e == 0) e = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  if (e == 0) e = pthread_mutex_init(&h.mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  return e;
}

SharedLock::SharedLock(Header& h) noexcept : h_(h), since_(lock_and_repair(h)) {}

SharedLock::~SharedLock() {
  unlock(h_, since_);
}

SharedLock::Wait SharedLock::wait(std::atomic<std::uint32_t>& word,
                                  std::uint32_t& waiting) noexcept {
  std::uint32_t seen = word.load(std::memory_order_relaxed);
  // First poll without counting as a sleeper, so that a waker only bumps the word (no system call
  // on either side); then count, and sleep unless the word moved meanwhile.
  unlock(h_, since_);
  const bool moved = spin_until_changed(word, seen);
  since_ = lock_and_repair(h_);
  if (moved || word.load(std::memory_order_relaxed) != seen) return Wait::woken;
  seen = word.load(std::memory_order_relaxed);
  ++waiting;
  ++h_.lock.futex_waits;
  unlock(h_, since_);
  constexpr auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kReapInterval).count();
  const timespec timeout{ns / 1'000'000'000, ns % 1'000'000'000};
  const int e = futex_wait_for(word, seen, timeout);
  since_ = lock_and_repair(h_);
  --waiting;
  if (e == ETIMEDOUT) {
    (void)reap_dead(h_);
    return Wait::timed_out;
  }
  return e == EINTR ? Wait::interrupted : Wait::woken;
}

bool bump(std::atomic<std::uint32_t>& word, std::uint32_t waiting) noexcept {
  word.fetch_add(1, std::memory_order_relaxed);
  return waiting != 0;
}

void wake_all(Header& h, std::atomic<std::uint32_t>& word) noexcept {
  h.lock.futex_wakes.fetch_add(1, std::memory_order_relaxed);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr,
          0);
}

void wake_one(Header& h, std::atomic<std::uint32_t>& word) noexcept {
  h.lock.futex_wakes.fetch_add(1, std::memory_order_relaxed);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

void wake_everybody(Header& h) noexcept {
  h.read_seq.fetch_add(1, std::memory_order_relaxed);
  h.write_seq.fetch_add(1, std::memory_order_relaxed);
  wake_all(h, h.read_seq);
  wake_all(h, h.write_seq);
}

ProcEntry* find_proc(Header& h, pid_t pid, bool create) noexcept {
  ProcEntry* free_entry = nullptr;
  for (ProcEntry& p : h.procs) {
    if (p.pid == pid) return &p;
    if (p.pid == 0 && free_entry == nullptr) free_entry = &p;
  }
  if (!create || free_entry == nullptr) return nullptr;
  *free_entry = ProcEntry{pid, 0, 0};
  return free_entry;
}

bool add_ends(Header& h, pid_t pid, bool writer, int delta) noexcept {
  ProcEntry* p = find_proc(h, pid, delta > 0);
  if (p == nullptr) return false;
  std::uint32_t& mine = writer ? p->writers : p->readers;
  std::uint32_t& total = writer ? h.writers : h.readers;
  if (delta < 0) {
    const auto d = std::min(static_cast<std::uint32_t>(-delta), mine);
    mine -= d;
    total -= std::min(d, total);
  } else {
    mine += static_cast<std::uint32_t>(delta);
    total += static_cast<std::uint32_t>(delta);
  }
  if (p->readers == 0 && p->writers == 0) p->pid = 0;
  return true;
}

int reap_dead(Header& h) noexcept {
  const pid_t self = getpid();
  int dropped = 0;
  for (ProcEntry& p : h.procs) {
    if (p.pid == 0 || p.pid == self || process_alive(p.pid, h.map_start)) continue;
    h.readers -= std::min(p.readers, h.readers);
    h.writers -= std::min(p.writers, h.writers);
    p = ProcEntry{0, 0, 0};
    ++dropped;
  }
  if (dropped != 0) wake_everybody(h);
  return dropped;
}

bool process_alive(pid_t pid, std::uintptr_t map_start) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/maps", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno != ENOENT && errno != ESRCH;  // not allowed to look: assume alive
  // A line of /proc/PID/maps starts with the mapping's start address in hex.
  char want[32];
  const int want_len =
      std::snprintf(want, sizeof want, "%lx-", static_cast<unsigned long>(map_start));
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    if (text.compare(pos, static_cast<std::size_t>(want_len), want) == 0) {
      const std::string_view line(text.data() + pos, eol - pos);
      return line.find("memfd:pipepool") != std::string_view::npos;
    }
    pos = eol + 1;
  }
  return false;
}

}  // namespace pipepool::internal::shared
