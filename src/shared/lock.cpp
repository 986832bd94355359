// The process-shared robust lock, the cross-process waits and the dead-process reaper of a shared
// pipe (internal/shared_lock.hpp).
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

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

// Takes the mutex; repairs the state first when its previous holder died.
void lock_and_repair(Header& h) noexcept {
  if (pthread_mutex_lock(&h.mutex) == EOWNERDEAD) {
    recover(h);
    pthread_mutex_consistent(&h.mutex);
  }
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

SharedLock::SharedLock(Header& h) noexcept : h_(h) {
  lock_and_repair(h_);
}

SharedLock::~SharedLock() {
  pthread_mutex_unlock(&h_.mutex);
}

SharedLock::Wait SharedLock::wait(std::atomic<std::uint32_t>& word,
                                  std::uint32_t& waiting) noexcept {
  const std::uint32_t seen = word.load(std::memory_order_relaxed);
  ++waiting;
  pthread_mutex_unlock(&h_.mutex);
  constexpr auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kReapInterval).count();
  const timespec timeout{ns / 1'000'000'000, ns % 1'000'000'000};
  const int e = futex_wait_for(word, seen, timeout);
  lock_and_repair(h_);
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

void wake_all(std::atomic<std::uint32_t>& word) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr,
          0);
}

void wake_everybody(Header& h) noexcept {
  h.read_seq.fetch_add(1, std::memory_order_relaxed);
  h.write_seq.fetch_add(1, std::memory_order_relaxed);
  wake_all(h.read_seq);
  wake_all(h.write_seq);
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
