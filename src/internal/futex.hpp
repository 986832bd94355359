// Thin wrappers over the futex(2) syscall (private futexes).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>

namespace pipepool::internal {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// Sleeps while `*word == expected` (returns at once if it differs, or spuriously). Returns 0, or
// the errno: EAGAIN (the word differed), EINTR (a signal handler without SA_RESTART ran; with
// SA_RESTART the kernel restarts the call).
inline int futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
  const long r = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE,
                         expected, nullptr, nullptr, 0);
  return r == 0 ? 0 : errno;
}

// Sleeps while `*word == expected` until `deadline`, an absolute CLOCK_MONOTONIC time. Returns
// 0 (woken, or spuriously), or the errno: EAGAIN (the word differed), ETIMEDOUT, EINTR (a signal
// handler ran; a wait with a deadline is never restarted, even with SA_RESTART).
inline int futex_wait_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                            const timespec& deadline) noexcept {
  const long r =
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_BITSET_PRIVATE,
              expected, &deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
  return r == 0 ? 0 : errno;
}

// Wakes up to `n` threads sleeping on `word`.
inline void futex_wake(std::atomic<std::uint32_t>& word, int n) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace pipepool::internal
