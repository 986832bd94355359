// The clock behind the pipe mutex's hold and wait times: the CPU's time-stamp counter where there
// is one (a few ns to read, no system call), converted to nanoseconds only when counters are
// read. Elsewhere, steady_clock nanoseconds.
//
// The conversion rate is measured once per process against steady_clock (a 2 ms busy window on
// first use), so reading stats() the first time costs that much; the lock path never converts.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace pipepool::internal {

[[nodiscard]] inline std::uint64_t lock_ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
#endif
}

// Nanoseconds per tick (1.0 where lock_ticks() counts nanoseconds).
[[nodiscard]] double lock_ns_per_tick() noexcept;

[[nodiscard]] inline std::uint64_t lock_ticks_to_ns(std::uint64_t ticks) noexcept {
  return static_cast<std::uint64_t>(static_cast<double>(ticks) * lock_ns_per_tick());
}

}  // namespace pipepool::internal
