// Counters that prove page reclaim happened, read from a memory cgroup and from /proc/vmstat.
//
// Memory-cgroup reclaim (allocation at a cgroup's limit) is counted only in the cgroup:
//   v1: memory.failcnt (times a charge hit the limit and had to reclaim), memory.stat pgpgin /
//       pgpgout (pages charged / uncharged: activity, not reclaim by themselves);
//   v2: memory.events max / high (times usage hit memory.max / went over memory.high) and
//       memory.stat pgscan / pgsteal (pages scanned / reclaimed in the cgroup).
// Global reclaim (the machine short of memory) is counted in /proc/vmstat: pgscan_direct,
// pgsteal_direct and allocstall_* (summed); these do not count cgroup reclaim.
// A counter that is not available is nullopt and stays out of every comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pipe_bench {

struct ReclaimCounters {
  std::string source;  // e.g. "cgroup v1 /sys/fs/cgroup/memory/pipe_bench-42 + /proc/vmstat"
  std::optional<std::uint64_t> failcnt;            // v1 memory.failcnt
  std::optional<std::uint64_t> pgpgin;             // v1 memory.stat
  std::optional<std::uint64_t> pgpgout;            // v1 memory.stat
  std::optional<std::uint64_t> pgscan;             // v2 memory.stat
  std::optional<std::uint64_t> pgsteal;            // v2 memory.stat
  std::optional<std::uint64_t> events_max;         // v2 memory.events
  std::optional<std::uint64_t> events_high;        // v2 memory.events
  std::optional<std::uint64_t> vm_pgscan_direct;   // /proc/vmstat
  std::optional<std::uint64_t> vm_pgsteal_direct;  // /proc/vmstat
  std::optional<std::uint64_t> vm_allocstall;      // /proc/vmstat, allocstall_* summed
};

// Parsers of the kernel's "<key> <value>" files; each sets only the fields its text holds.
// memory.stat: v1 has pgpgin / pgpgout, v2 pgscan / pgsteal.
void parse_memory_stat(std::string_view text, ReclaimCounters& out);
// v2 memory.events: max, high.
void parse_memory_events(std::string_view text, ReclaimCounters& out);
// /proc/vmstat: pgscan_direct, pgsteal_direct, allocstall_* (summed when at least one is there).
void parse_vmstat(std::string_view text, ReclaimCounters& out);
// A file holding one number (memory.failcnt); nullopt if it does not parse.
[[nodiscard]] std::optional<std::uint64_t> parse_single(std::string_view text);

// Reads the files of the cgroup directory `dir` (memory.failcnt, memory.stat, memory.events,
// those that exist) and /proc/vmstat. An empty `dir` reads /proc/vmstat only.
[[nodiscard]] ReclaimCounters read_reclaim_counters(const std::string& dir,
                                                    const std::string& source);

// after - before, field by field; a field missing on either side is nullopt. A counter that went
// backwards (a reset) gives 0. The source is `after`'s.
[[nodiscard]] ReclaimCounters reclaim_delta(const ReclaimCounters& before,
                                            const ReclaimCounters& after);
// True when a delta shows reclaim: failcnt, pgscan, pgsteal, events max/high or a global
// counter grew. pgpgin / pgpgout alone are not reclaim.
[[nodiscard]] bool reclaim_caused(const ReclaimCounters& delta);
// "failcnt +2210, pgpgin +5300, pgpgout +5280; global pgscan_direct +0, pgsteal_direct +0,
// allocstall +0", the fields that are set, in that order.
[[nodiscard]] std::string format_counters(const ReclaimCounters& delta);
// The text report's line body: "failcnt +2210, ..." or "no reclaim (failcnt +0, ...)".
[[nodiscard]] std::string format_reclaim(const ReclaimCounters& delta);

}  // namespace pipe_bench
