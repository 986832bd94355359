// The process-wide shrinker: every pool of the `shrinker` policy joins it, and it gives their
// kept pages back to the allocator on demand, under memory pressure, or when they sit idle.
//
// The `shrinker` policy works like `unified` (top-up outside the pipe mutex, only what a write
// needs minus what the pool holds, at most PoolSizes::max pages per write) but does not trim to
// PoolSizes::keep: pages released by readers stay in the pool up to a cap, counted in PAGES
// (default kDefaultShrinkerCap = 16, the default ring size, so a default pipe never holds more than
// twice its capacity in pages).
//
// Reclaim order: least recently used pool first (last use = the end of the pipe's latest read or
// write), each pool emptied before the next is touched. A pool whose lock is taken (its pipe is
// mid read/write) is skipped, never waited for: a shrink never stalls a hot pipe, and a pipe never
// waits on a shrink for longer than the shrink takes to pop one batch of pointers.
//
// Every function here is thread-safe and may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pipepool/page_pool.hpp"

namespace pipepool {

inline constexpr std::size_t kDefaultShrinkerCap = 16;  // pages; the default ring size

// The cap, in pages, of shrinker pools created from now on (existing pools keep theirs).
// 0 makes new pools keep nothing between operations.
void set_default_shrinker_cap(std::size_t pages) noexcept;
[[nodiscard]] std::size_t default_shrinker_cap() noexcept;

// Pages all shrinker pools hold now and could free (a sum of relaxed counters).
[[nodiscard]] std::size_t shrinker_count() noexcept;
// Frees up to `pages` kept pages, least recently used pools first; skips pools in use.
// Returns the pages freed.
std::size_t shrinker_scan(std::size_t pages) noexcept;
// shrinker_scan(everything). Pools in use at that instant are skipped, so a busy pipe may keep
// its pages; every idle pool ends holding 0.
std::size_t shrink_all() noexcept;

struct ShrinkerStats {
  std::uint64_t pools = 0;                 // shrinker pools alive now
  std::uint64_t pages_held = 0;            // pages they keep now (shrinker_count())
  std::uint64_t pages_reclaimed = 0;       // pages freed by the shrinker since start, any cause
  std::uint64_t pages_reclaimed_idle = 0;  // of which freed by the idle trim
  std::uint64_t scans = 0;                 // scan calls (explicit, pressure and idle)
  std::uint64_t busy_skips = 0;            // times a scan skipped a pool because it was in use
  std::uint64_t pressure_events = 0;       // pressure events seen (kernel triggers and manual)
  // cgroup v2 memory.events (when the monitor watches it): changes of the file read, and of
  // those the ones where high, max or oom grew (each also counted in pressure_events and
  // followed by a reclaim).
  std::uint64_t memory_events_seen = 0;
  std::uint64_t memory_events_pressure = 0;
};
[[nodiscard]] ShrinkerStats shrinker_stats() noexcept;

// One pool's shrinker view; nullopt when `pool` is not a shrinker pool.
struct ShrinkerPoolStats {
  std::uint64_t cap = 0;        // pages
  std::uint64_t held = 0;       // pages kept now (== PoolStats::pool_size)
  std::uint64_t reclaimed = 0;  // pages the shrinker took from this pool
};
[[nodiscard]] std::optional<ShrinkerPoolStats> shrinker_pool_stats(const PagePool& pool) noexcept;

// ---- Memory-pressure sources -------------------------------------------------------------

enum class PressureSource {
  automatic,  // cgroup v2 memory.pressure of our own (non-root) cgroup, else /proc/pressure/memory
  cgroup,     // only our cgroup's memory.pressure (the root cgroup's counts as ours here)
  psi,        // only the system-wide PSI file
  manual,     // no kernel trigger: events come from trigger_pressure() only
};

struct PressureOptions {
  PressureSource source = PressureSource::automatic;
  // PSI trigger "<some|full> <stall us> <window us>". Kernels refuse an unprivileged trigger whose
  // window is not a multiple of 2 s (EINVAL); the monitor then retries once with the window
  // rounded up to one and the stall scaled to keep the ratio, and reports the trigger it used.
  std::string trigger = "some 150000 1000000";
  // Free pages of pools untouched for longer than this, checked every idle_age / 2.
  // Zero disables the idle trim.
  std::chrono::milliseconds idle_age{0};
  // On a pressure event free every kept page; false (default) frees half, rounded up, least
  // recently used first. A trigger fires at most once per window while the stall lasts, so
  // repeated events halve the held pages each window and keep the hottest pipes' pages longest.
  bool reclaim_all = false;
  std::string psi_path = "/proc/pressure/memory";
  // The cgroup v2 directory holding memory.pressure; empty: our own, from /proc/self/cgroup and
  // the cgroup2 mount in /proc/self/mountinfo.
  std::string cgroup_dir{};
  // With the automatic or cgroup source, also watch memory.events in the cgroup directory when
  // it has one: a growth of its high, max or oom counter is a pressure event too.
  bool memory_events = true;
};

struct PressureStatus {
  bool running = false;  // the monitor thread is running
  // "psi", "cgroup", "manual", "none: <reason>", or "off" (not started); "+memory.events" is
  // appended when memory.events is watched too, and "memory.events" alone means it is the only
  // kernel source (no PSI trigger could be registered).
  std::string source;
  std::string path;     // the pressure file with a registered trigger, if any
  std::string trigger;  // the trigger registered there, if any
  std::chrono::milliseconds idle_age{0};
  std::string events_path;  // the memory.events file watched, if any
  std::string events_note;  // why memory.events is not watched, when it was looked for
};

// Starts (or restarts with new options) the monitor thread and returns the active source:
// "cgroup", "psi", "manual", or "none: <why no kernel source could be used>", with
// "+memory.events" (or "memory.events" alone) as in PressureStatus::source. "none" is not an
// error: the thread still runs the idle trim, and trigger_pressure() still works.
std::string start_pressure_monitor(const PressureOptions& options = {});
// Stops the monitor thread and closes the trigger. Idempotent. In the child of fork() the monitor
// is stopped (the thread is the parent's): pressure_status() reports "off" there.
void stop_pressure_monitor() noexcept;
[[nodiscard]] PressureStatus pressure_status();
// A manual pressure event, handled synchronously in the caller's thread exactly as a kernel
// event is (counted in pressure_events, then the reclaim). Works with or without the monitor.
// Returns the pages freed.
std::size_t trigger_pressure() noexcept;

}  // namespace pipepool
