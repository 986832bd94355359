// The process-wide shrinker registry (private). Pools that keep pages join it as Reclaimable;
// count() and scan() may run on any thread, concurrently with the pools' pipes and with pools
// joining and leaving.
//
// Locking: the registry mutex guards the membership map and the pin counts only. A scan takes it
// to snapshot the LRU order and to pin/unpin one pool at a time; it pops pages through the pool's
// own try-lock and frees them with no lock held. leave() waits until no scan has the pool pinned,
// so a pool's memory outlives every scan that found it. Pins exist only inside a scan, which
// holds the scan mutex throughout; fork() takes the scan mutex, then the registry mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipepool/page_pool.hpp"
#include "pipepool/shrinker.hpp"

namespace pipepool::internal {
class GlobalLocks;
}  // namespace pipepool::internal

namespace pipepool::shrinker {

// Pages one try_take may hand out: a scan frees in batches of this many, popping a busy pool's
// pointers for no longer than that.
inline constexpr std::size_t kScanBatch = 2 * kPreallocMax;

// Steady-clock nanoseconds: the time base of last_use_ns() and idle ages.
[[nodiscard]] std::uint64_t now_ns() noexcept;

class Reclaimable {
 public:
  virtual ~Reclaimable() = default;
  // Pages kept now (a relaxed read, no lock).
  [[nodiscard]] virtual std::size_t held() const noexcept = 0;
  // now_ns() of the last use (a relaxed read, no lock).
  [[nodiscard]] virtual std::uint64_t last_use_ns() const noexcept = 0;
  // Try-locks the pool; on success moves up to `max` kept pages into `out` (max <=
  // kScanBatch) provided the pool was last used at or before `used_before_ns`, and
  // returns true. Returns false, touching nothing, when the lock is taken.
  [[nodiscard]] virtual bool try_take(std::size_t max, std::uint64_t used_before_ns,
                                      PageBatch& out) noexcept = 0;
  // Frees the pages try_take() handed out (no lock held) and counts them as reclaimed.
  virtual void free_taken(PageBatch& pages) noexcept = 0;
};

class Registry {
 public:
  // The process-wide instance (never destroyed, so pools may leave during static destruction).
  [[nodiscard]] static Registry& instance() noexcept;

  // Returns the id to pass to leave().
  [[nodiscard]] std::uint64_t join(Reclaimable& pool);
  // Removes the pool; returns once no scan uses it.
  void leave(std::uint64_t id) noexcept;

  [[nodiscard]] std::size_t count() const noexcept;
  // Frees up to `pages`, LRU first. Returns the pages freed.
  std::size_t scan(std::size_t pages) noexcept;
  // Frees every page of pools last used more than `age_ns` ago. Returns the pages freed.
  std::size_t trim_idle(std::uint64_t age_ns) noexcept;
  // Frees every page of pools last used at or before `used_before_ns` (a now_ns() value). Counted
  // as idle reclaim. Returns the pages freed.
  std::size_t trim_used_before(std::uint64_t used_before_ns) noexcept;
  void note_pressure_event() noexcept;
  // A change of memory.events was read; `pressure`: high, max or oom grew.
  void note_memory_events(bool pressure) noexcept;

  [[nodiscard]] ShrinkerStats stats() const noexcept;

  // In the child of fork(), with both locks taken by the prepare handler (internal/fork_guard.hpp):
  // releases them, makes a new condition variable (threads of the parent may have been inside
  // the old one) and forgets every pool: they belong to pipes the child inherited, which it
  // never touches (a leave() of one of them finds nothing). Counters are kept.
  void after_fork_child() noexcept;

 private:
  friend class internal::GlobalLocks;

  struct Entry {
    Reclaimable* pool = nullptr;
    unsigned pins = 0;     // scans using the pool now
    bool leaving = false;  // leave() is waiting: no new pins
  };

  std::size_t reclaim(std::size_t pages, std::uint64_t used_before_ns) noexcept;
  // Drains one pinned pool: up to `pages`. Counts busy skips.
  std::size_t drain(Reclaimable& pool, std::size_t pages, std::uint64_t used_before_ns) noexcept;
  [[nodiscard]] Reclaimable* pin(std::uint64_t id) noexcept;
  void unpin(std::uint64_t id) noexcept;

  // Serialises scans; guards order_ (scratch kept between scans so that a scan under memory
  // pressure rarely allocates).
  std::mutex scan_mutex_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> order_;  // (last use, id)

  mutable std::mutex mutex_;
  std::condition_variable unpinned_;
  std::unordered_map<std::uint64_t, Entry> pools_;  // guarded by mutex_
  std::uint64_t next_id_ = 1;                       // guarded by mutex_

  std::atomic<std::uint64_t> reclaimed_{0};
  std::atomic<std::uint64_t> reclaimed_idle_{0};
  std::atomic<std::uint64_t> scans_{0};
  std::atomic<std::uint64_t> busy_skips_{0};
  std::atomic<std::uint64_t> pressure_events_{0};
  std::atomic<std::uint64_t> memory_events_seen_{0};
  std::atomic<std::uint64_t> memory_events_pressure_{0};
};

}  // namespace pipepool::shrinker
