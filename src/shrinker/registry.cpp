// The process-wide shrinker registry: membership, LRU-ordered reclaim, counters.
#include "shrinker/registry.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <new>

#include "internal/fork_guard.hpp"

namespace pipepool::shrinker {
std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

Registry& Registry::instance() noexcept {
  static Registry* const registry = [] {
    internal::register_fork_handlers();
    return new Registry;  // leaked on purpose, see the header
  }();
  return *registry;
}

void Registry::after_fork_child() noexcept {
  // The forking thread took both locks in prepare and is the child's only thread: no scan is
  // running, so no pool is pinned.
  pools_.clear();
  std::construct_at(&unpinned_);  // the old one may count waiters that live in the parent
  mutex_.unlock();
  scan_mutex_.unlock();
}

std::uint64_t Registry::join(Reclaimable& pool) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  pools_.emplace(id, Entry{&pool, 0, false});
  return id;
}

void Registry::leave(std::uint64_t id) noexcept {
  std::unique_lock lock(mutex_);
  const auto it = pools_.find(id);
  if (it == pools_.end()) return;
  it->second.leaving = true;
  unpinned_.wait(lock, [&] { return it->second.pins == 0; });
  pools_.erase(it);
}

std::size_t Registry::count() const noexcept {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, entry] : pools_) n += entry.pool->held();
  return n;
}

std::size_t Registry::scan(std::size_t pages) noexcept {
  return reclaim(pages, std::numeric_limits<std::uint64_t>::max());
}

std::size_t Registry::trim_idle(std::uint64_t age_ns) noexcept {
  const std::uint64_t now = now_ns();
  if (now < age_ns) return 0;  // nothing can be that old yet
  return trim_used_before(now - age_ns);
}

std::size_t Registry::trim_used_before(std::uint64_t used_before_ns) noexcept {
  const std::size_t freed = reclaim(std::numeric_limits<std::size_t>::max(), used_before_ns);
  reclaimed_idle_.fetch_add(freed, std::memory_order_relaxed);
  return freed;
}

void Registry::note_pressure_event() noexcept {
  pressure_events_.fetch_add(1, std::memory_order_relaxed);
}

void Registry::note_memory_events(bool pressure) noexcept {
  memory_events_seen_.fetch_add(1, std::memory_order_relaxed);
  if (pressure) memory_events_pressure_.fetch_add(1, std::memory_order_relaxed);
}

// Snapshot the pools worth visiting, oldest first, then drain them one at a time, each pinned
// only while it is drained. If the scratch vector cannot grow (memory is short, which is when we
// are called), the scan visits the pools that fit, in LRU order among themselves.
std::size_t Registry::reclaim(std::size_t pages, std::uint64_t used_before_ns) noexcept {
  scans_.fetch_add(1, std::memory_order_relaxed);
  if (pages == 0) return 0;
  std::lock_guard scan_lock(scan_mutex_);
  order_.clear();
  {
    std::lock_guard lock(mutex_);
    try {
      order_.reserve(pools_.size());
    } catch (const std::bad_alloc&) {
    }
    for (const auto& [id, entry] : pools_) {
      if (order_.size() == order_.capacity()) break;
      const std::uint64_t last_use = entry.pool->last_use_ns();
      if (entry.leaving || entry.pool->held() == 0 || last_use > used_before_ns) continue;
      order_.emplace_back(last_use, id);
    }
  }
  std::sort(order_.begin(), order_.end());

  std::size_t freed = 0;
  for (const auto& [last_use, id] : order_) {
    if (freed >= pages) break;
    Reclaimable* pool = pin(id);
    if (pool == nullptr) continue;  // left since the snapshot
    freed += drain(*pool, pages - freed, used_before_ns);
    unpin(id);
  }
  reclaimed_.fetch_add(freed, std::memory_order_relaxed);
  return freed;
}

std::size_t Registry::drain(Reclaimable& pool, std::size_t pages,
                            std::uint64_t used_before_ns) noexcept {
  std::size_t freed = 0;
  while (freed < pages) {
    const std::size_t want = std::min<std::size_t>(pages - freed, kScanBatch);
    PageBatch batch;
    if (!pool.try_take(want, used_before_ns, batch)) {
      busy_skips_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    const std::size_t got = batch.count;
    pool.free_taken(batch);
    freed += got;
    if (got < want) break;  // the pool is empty (or was used meanwhile)
  }
  return freed;
}

Reclaimable* Registry::pin(std::uint64_t id) noexcept {
  std::lock_guard lock(mutex_);
  const auto it = pools_.find(id);
  if (it == pools_.end() || it->second.leaving) return nullptr;
  ++it->second.pins;
  return it->second.pool;
}

void Registry::unpin(std::uint64_t id) noexcept {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = pools_.find(id);
    if (it == pools_.end()) return;  // cannot happen: leave() waits for pins == 0
    wake = --it->second.pins == 0 && it->second.leaving;
  }
  if (wake) unpinned_.notify_all();
}

ShrinkerStats Registry::stats() const noexcept {
  ShrinkerStats s;
  {
    std::lock_guard lock(mutex_);
    s.pools = pools_.size();
    for (const auto& [id, entry] : pools_) s.pages_held += entry.pool->held();
  }
  s.pages_reclaimed = reclaimed_.load(std::memory_order_relaxed);
  s.pages_reclaimed_idle = reclaimed_idle_.load(std::memory_order_relaxed);
  s.scans = scans_.load(std::memory_order_relaxed);
  s.busy_skips = busy_skips_.load(std::memory_order_relaxed);
  s.pressure_events = pressure_events_.load(std::memory_order_relaxed);
  s.memory_events_seen = memory_events_seen_.load(std::memory_order_relaxed);
  s.memory_events_pressure = memory_events_pressure_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace pipepool::shrinker
