// Counters a pipe and its page pool report. Snapshots of relaxed atomics: each field is exact,
// the set is not one instant.
#pragma once

#include <cstdint>

namespace pipepool {

struct PoolStats {
  std::uint64_t allocs_in_lock = 0;       // pages allocated while the pipe mutex was held
  std::uint64_t allocs_outside_lock = 0;  // pages allocated with the pipe mutex not held
  std::uint64_t frees_in_lock = 0;        // pages freed while the pipe mutex was held
  std::uint64_t frees_outside_lock = 0;   // pages freed with the pipe mutex not held
  std::uint64_t alloc_failures = 0;       // allocations that returned no page
  std::uint64_t pool_hits = 0;            // get_page served from pages the pipe already kept
  std::uint64_t pool_size = 0;            // pages the pool keeps now (tmp_page / pool)
  std::uint64_t pool_peak = 0;            // highest pool_size seen
};

struct PipeStats {
  PoolStats pool{};
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t writes = 0;          // write calls that transferred at least one byte
  std::uint64_t reads = 0;           // read calls that transferred at least one byte
  std::uint64_t writes_blocked = 0;  // write calls that had to wait for room at least once
  std::uint64_t reads_blocked = 0;   // read calls that had to wait for data at least once
};

}  // namespace pipepool
