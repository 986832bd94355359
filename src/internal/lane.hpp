// One side's lane of the small-call fast path (docs/ARCHITECTURE.md, "Small-call fast path"): a
// word that lets at most one read (or one write) run without the pipe mutex, and lets the mutex
// holder shut the fast path out and wait for the call inside to leave.
//
// States: open (no fast call inside), busy (one is), shut (the locked protocol owns the ring);
// `kWaiter` is added to busy by a shutter sleeping until the fast call leaves. Only the pipe mutex
// holder shuts and opens; only a fast call enters and leaves. A fast call never blocks, so a
// shutter's wait ends once the call is scheduled again.
#pragma once

#include <atomic>
#include <cstdint>

#include "internal/futex.hpp"

namespace pipepool::internal {

class Lane {
 public:
  enum class Entry { entered, shut, busy };

  // A fast call: takes the lane when it is open. `busy` means another call of the same side is
  // inside (two readers or two writers at once).
  [[nodiscard]] Entry try_enter() noexcept {
    std::uint32_t seen = kOpen;
    if (word_.compare_exchange_strong(seen, kBusy, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return Entry::entered;
    }
    return seen == kShut ? Entry::shut : Entry::busy;
  }

  // The fast call is done. Sequentially consistent, so a poller that registered after the call's
  // poll_notify() looked for pollers finds the call's change when it shuts the lane.
  void leave() noexcept {
    if ((word_.exchange(kOpen, std::memory_order_seq_cst) & kWaiter) != 0) futex_wake(word_, 1);
  }

  // Under the pipe mutex, with the lane open or busy: waits for a fast call inside to leave and
  // shuts the lane. Spins first (a fast call is a copy of at most a page), then sleeps.
  void shut() noexcept {
    std::uint32_t seen = kOpen;
    for (unsigned spins = 0;;) {
      if (word_.compare_exchange_weak(seen, kShut, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
        return;
      }
      if (seen == kOpen) continue;  // spurious failure
      if (spins < kSpins) {
        ++spins;
        cpu_relax();
      } else if (seen == kBusy) {
        word_.compare_exchange_weak(seen, kBusy | kWaiter, std::memory_order_relaxed);
      } else {
        futex_wait(word_, kBusy | kWaiter);
      }
      seen = kOpen;
    }
  }

  // Under the pipe mutex, with the lane shut: lets fast calls in. Release: they see the ring as
  // the mutex holder left it.
  void open() noexcept { word_.store(kOpen, std::memory_order_release); }

 private:
  static constexpr std::uint32_t kOpen = 0;
  static constexpr std::uint32_t kBusy = 1;
  static constexpr std::uint32_t kShut = 2;
  static constexpr std::uint32_t kWaiter = 4;
  static constexpr unsigned kSpins = 1000;

  std::atomic<std::uint32_t> word_{kShut};
};

}  // namespace pipepool::internal
