#include "internal/lock_clock.hpp"

#include "internal/fork_guard.hpp"

namespace pipepool::internal {

double lock_ns_per_tick() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  static const double rate = [] {
    register_fork_handlers();  // fork waits for this 2 ms window rather than copy it half done
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const std::uint64_t c0 = lock_ticks();
    auto t1 = t0;
    while (t1 - t0 < std::chrono::milliseconds(2)) t1 = clock::now();
    const std::uint64_t c1 = lock_ticks();
    const double ns =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    return c1 > c0 ? ns / static_cast<double>(c1 - c0) : 1.0;
  }();
  return rate;
#else
  return 1.0;
#endif
}

}  // namespace pipepool::internal
