// pipepool_idle's measurement: pages held by N idle pipes per policy, before and after one
// pressure event (pipepool::shrink_all()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool_idle {

inline constexpr std::size_t kWriteBytes = 64 * 1024;  // one write + full read per pipe

struct IdleOptions {
  std::size_t pipes = 1000;
  std::vector<pipepool::PolicyKind> policies{
      pipepool::PolicyKind::legacy, pipepool::PolicyKind::prealloc, pipepool::PolicyKind::unified,
      pipepool::PolicyKind::shrinker};
  pipepool::AllocatorKind allocator = pipepool::AllocatorKind::os;
};

// One policy's numbers. "held" sums PoolStats::pool_size over the pipes; "live" is the allocator's
// allocations minus frees since just before the pipes were made (the os allocator is shared by
// the whole process, so only the growth is counted).
struct IdleRow {
  std::string policy;
  std::size_t pipes = 0;
  std::uint64_t held_before = 0;
  std::uint64_t held_after = 0;
  std::int64_t live_before = 0;
  std::int64_t live_after = 0;
  std::uint64_t reclaimed = 0;  // what shrink_all() returned
};

// Makes `pipes` pipes of `policy` over one allocator, writes 64 KiB to each and reads it all
// back, then counts, calls shrink_all() and counts again. Returns nullopt and sets `error` when a
// pipe cannot be made or a write/read falls short.
[[nodiscard]] std::optional<IdleRow> measure_policy(pipepool::PolicyKind policy, std::size_t pipes,
                                                    pipepool::AllocatorKind allocator,
                                                    std::string& error);

// measure_policy for every policy of `options`, in order; stops at the first error.
[[nodiscard]] std::optional<std::vector<IdleRow>> measure(const IdleOptions& options,
                                                          std::string& error);

// The table: one line per policy, pages and pages per pipe, before and after.
[[nodiscard]] std::string format_table(const std::vector<IdleRow>& rows,
                                       const IdleOptions& options);
// {"pipes":N,"allocator":"os","write_bytes":65536,"results":[{...row...}]}
[[nodiscard]] std::string to_json(const std::vector<IdleRow>& rows, const IdleOptions& options);

// Parses argv (without argv[0]). On bad input returns nullopt and sets `error` to one line;
// `help` is set for -h/--help. `json_path` receives --json FILE.
[[nodiscard]] std::optional<IdleOptions> parse_args(const std::vector<std::string>& args,
                                                    std::string& json_path, bool& help,
                                                    std::string& error);

}  // namespace pipepool_idle
