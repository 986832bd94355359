// The kernel selftest's workload on one open pipe: W writer threads each loop write(msg_size)
// until a stop flag, R reader threads read until EOF.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pipe_bench/histogram.hpp"
#include "pipe_bench/targets/target.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench {

struct WorkloadConfig {
  unsigned writers = 5;
  unsigned readers = 5;
  std::size_t msg_size = 64 * 1024;
  std::chrono::nanoseconds duration = std::chrono::seconds(3);
};

struct WorkloadResult {
  std::uint64_t writes = 0;         // whole messages written (partial writes are completed)
  std::uint64_t bytes_written = 0;  // = writes * msg_size unless a write failed
  std::uint64_t bytes_read = 0;
  double elapsed_s = 0;  // from the start of all threads until the last writer stopped
  Histogram latency;     // ns per message, all writers merged
  std::optional<pipepool::PipeStats> pipe_stats;  // pipepool targets only
  std::string error;  // non-empty when a read or write failed, or bytes read != bytes written
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// Runs the workload on `endpoints` and closes both of its sides. The main thread starts all
// threads, sleeps `duration`, sets the stop flag, joins the writers, closes the write end, joins
// the readers (who see EOF), then closes the read end.
[[nodiscard]] WorkloadResult run_workload(Endpoints& endpoints, const WorkloadConfig& config);

}  // namespace pipe_bench
