// What one workload run is asked to do and what it measured. Shared by the thread workload
// (workload.hpp) and the targets that run their writers and readers otherwise (forked processes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pipe_bench/histogram.hpp"
#include "pipe_bench/verify.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench {

struct WorkloadConfig {
  unsigned writers = 5;
  unsigned readers = 5;
  // Bytes per write. With `verify`, each write is one record of this size (at most 4096 bytes).
  std::size_t msg_size = 64 * 1024;
  std::chrono::nanoseconds duration = std::chrono::seconds(3);
  // Open loop: writes per second per writer, each scheduled at start + k / rate, its latency
  // counted from that intended time. 0: closed loop (the next write starts when one returns).
  double rate = 0;
  // Writers send sequence-numbered, checksummed records; readers check every one.
  bool verify = false;
  // When set and it becomes true (e.g. on SIGINT), the run stops early and is marked cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

// The kernel's pipe-page allocations and frees during one run of a kernel target, counted on its
// tracepoints (kernel_pages/), or the one-line reason they could not be counted.
struct KernelPageTraffic {
  std::optional<std::uint64_t> allocs;  // both set, or neither
  std::optional<std::uint64_t> frees;
  std::string unavailable;  // non-empty exactly when the counts are missing
};

struct WorkloadResult {
  std::uint64_t writes = 0;         // whole messages written (partial writes are completed)
  std::uint64_t bytes_written = 0;  // = writes * msg_size unless a write failed
  std::uint64_t bytes_read = 0;
  double elapsed_s = 0;  // from the start of all threads until the last writer stopped
  Histogram latency;     // ns per message, all writers merged
  std::optional<pipepool::PipeStats> pipe_stats;  // pipepool targets only
  std::optional<KernelPageTraffic> kernel_pages;  // kernel targets only
  std::optional<VerifyReport> verify;             // with WorkloadConfig::verify
  bool cancelled = false;                         // WorkloadConfig::cancel ended the run
  std::string error;  // non-empty when a read or write failed, bytes read != bytes written, or
                      // verification found a lost, duplicated or corrupted record
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

}  // namespace pipe_bench
