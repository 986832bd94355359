// One side's lane of the small-call fast path (docs/ARCHITECTURE.md, "Small-call fast path"): a
// word that lets at most one read (or one write) run without the pipe mutex, and lets the mutex
// holder shut the fast path out and wait for the call inside to leave.
//
// States: open (no fast call inside), busy (one is), shut (the locked protocol owns the ring). A
// shutter that finds the lane busy adds `kWanted` (a fast call that waits for bytes sees it and
// leaves at once) and, after spinning, `kWaiter` (it sleeps until the call leaves). Only the pipe
// mutex holder shuts and opens; only a fast call enters and leaves. A fast call never blocks, so a
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
    return (seen & kShut) != 0 ? Entry::shut : Entry::busy;
  }

  // A fast call of this side is inside (sequentially consistent: a caller that changed a word
  // the other side's fast calls load first, and then finds the lane not busy, knows every later
  // call of that side sees the change).
  [[nodiscard]] bool busy() const noexcept {
    return (word_.load(std::memory_order_seq_cst) & kBusy) != 0;
  }

  // Inside the lane: a mutex holder waits to shut it.
  [[nodiscard]] bool wanted() const noexcept {
    return (word_.load(std::memory_order_relaxed) & kWanted) != 0;
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
      if ((seen & kWanted) == 0) {
        word_.compare_exchange_weak(seen, seen | kWanted, std::memory_order_relaxed);
      } else if (spins < kSpins) {
        ++spins;
        cpu_relax();
      } else if ((seen & kWaiter) == 0) {
        word_.compare_exchange_weak(seen, seen | kWaiter, std::memory_order_relaxed);
      } else {
        futex_wait(word_, seen);
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
  static constexpr std::uint32_t kWanted = 8;
  static constexpr unsigned kSpins = 1000;

  std::atomic<std::uint32_t> word_{kShut};
};

// The last buffer as the fast path publishes it, in one word: the ring's head (so a reader knows
// which buffer it describes), a generation that changes when a write reuses an emptied last
// buffer for a new page, where its bytes end, whether a read emptied it, and whether that read
// released its page.
struct LastEnd {
  unsigned head = 0;
  unsigned gen = 0;  // 17 bits
  unsigned end = 0;  // 0 to kPageSize
  bool emptied = false;
  bool released = false;

  [[nodiscard]] static LastEnd unpack(std::uint64_t w) noexcept {
    return {static_cast<unsigned>(w >> 32), static_cast<unsigned>(w >> kGenShift) & kGenMask,
            static_cast<unsigned>(w & kEndMask), (w & kEmptied) != 0, (w & kReleased) != 0};
  }
  [[nodiscard]] std::uint64_t pack() const noexcept {
    return (std::uint64_t{head} << 32) | (std::uint64_t{gen & kGenMask} << kGenShift) |
           (emptied ? kEmptied : 0) | (released ? kReleased : 0) | end;
  }

  static constexpr std::uint64_t kEndMask = (1u << 13) - 1;
  static constexpr std::uint64_t kEmptied = 1u << 13;
  static constexpr std::uint64_t kReleased = 1u << 14;
  static constexpr unsigned kGenShift = 15;
  static constexpr unsigned kGenMask = (1u << 17) - 1;

  // The generation after `gen`.
  [[nodiscard]] static unsigned next_gen(unsigned gen) noexcept { return (gen + 1) & kGenMask; }
};

}  // namespace pipepool::internal
