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
  // Allocations and frees made on the wrong side of the pipe mutex: an "outside the lock" call
  // made by the thread holding it, or an "in lock" call made without it. 0 unless a policy is
  // broken; debug builds also assert.
  std::uint64_t lock_violations = 0;
};

// The pipe mutex (the kernel's pipe->mutex): how often it was taken and for how long.
struct LockStats {
  std::uint64_t acquisitions = 0;  // times it was taken (a wait's retake counts)
  std::uint64_t contended = 0;     // acquisitions that found it held and had to wait
  std::uint64_t hold_ns = 0;       // total time it was held
  std::uint64_t wait_ns = 0;       // total time callers waited to take it
};

struct PipeStats {
  PoolStats pool{};
  LockStats lock{};
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t writes = 0;          // write calls that transferred at least one byte
  std::uint64_t reads = 0;           // read calls that transferred at least one byte
  std::uint64_t writes_blocked = 0;  // write calls that had to wait for room at least once
  std::uint64_t reads_blocked = 0;   // read calls that had to wait for data at least once
};

}  // namespace pipepool
