// A busy-wait that keeps the CPU, as a kernel allocation under the pipe mutex does.
#pragma once

#include <chrono>
#include <cstdint>

namespace pipepool::internal {

// Spins on steady_clock until at least `ns` nanoseconds have passed. Never sleeps or yields;
// returns at once when ns == 0.
inline void busy_wait_ns(std::uint64_t ns) noexcept {
  if (ns == 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  while (std::chrono::steady_clock::now() < deadline) {
  }
}

}  // namespace pipepool::internal
