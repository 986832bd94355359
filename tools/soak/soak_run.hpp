// One soak run: W writers and R readers on one pipe of one policy until `bytes` went through.
//
// The pipe has two write ends: a packet-mode end (O_DIRECT) for records of 32..4096 bytes, and a
// stream end for 64 KiB writes (16 whole pages, each its own unit). Every writer mixes both (one
// 64 KiB write in 32 operations, about half the bytes). Half the readers read 4096 bytes at a
// time, half 64 KiB; a read returns whole units only (stream pages are never merged into, and a
// packet ends a read), which each reader checks and logs. Afterwards the logs are compared with
// what the writers were told they wrote.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pipepool/page_allocator.hpp"
#include "pipepool/page_pool.hpp"

namespace pipepool::soak {

struct SoakConfig {
  PolicyKind policy = PolicyKind::unified;
  AllocatorKind allocator = AllocatorKind::os;
  std::uint64_t bytes = 10'000'000'000;  // through the pipe, at least
  unsigned writers = 10;
  unsigned readers = 10;
  std::size_t pipe_size = 1024 * 1024;
  bool progress = true;  // a line on stderr every 10 s
};

struct SoakResult {
  std::uint64_t bytes = 0;         // bytes read
  std::uint64_t records = 0;       // record units read
  std::uint64_t big_writes = 0;    // 64 KiB writes the writers made
  std::uint64_t pages = 0;         // 4 KiB units of those writes read
  std::uint64_t losses = 0;        // units written and never read
  std::uint64_t duplicates = 0;    // units read more than once
  std::uint64_t corruptions = 0;   // torn units, bad checksums, unknown units
  std::uint64_t write_errors = 0;  // writes that did not return their full length
  double seconds = 0;
  std::uint64_t allocs = 0;  // pages the pool allocated (in + outside the lock)
  std::uint64_t allocs_in_lock = 0;
  [[nodiscard]] bool clean() const {
    return losses == 0 && duplicates == 0 && corruptions == 0 && write_errors == 0;
  }
};

// Runs the soak; returns a zero result with corruptions = 1 when the pipe cannot be made.
[[nodiscard]] SoakResult run_soak(const SoakConfig& config);

}  // namespace pipepool::soak
