// One target's run and the figures the reports derive from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipe_bench/reclaim_counters.hpp"
#include "pipe_bench/workload_types.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench {

// The configuration a result was measured with, as the reports print it.
struct RunConfig {
  unsigned writers = 0;
  unsigned readers = 0;
  std::size_t msg_size = 0;
  double duration_s = 0;
  std::size_t pipe_size = 0;
  std::string allocator;  // "kernel" for kernel pipes, "none" for memcpy, else os / heap / model
  std::uint64_t alloc_cost_ns = 0;  // model allocator only
  double rate = 0;                  // open-loop writes/s per writer; 0 = closed loop
  bool verify = false;
  std::string pressure;  // the stress-ng command when --memory-pressure was on, else empty
  // The model allocator's other costs and the preset they came from (empty: none); 0 otherwise.
  std::uint64_t free_cost_ns = 0;
  double reclaim_stall_probability = 0;
  std::uint64_t reclaim_stall_ns = 0;
  std::string model_preset;
};

// What a simulated run (--simulate, sim/) says about itself: where its numbers come from.
struct SimulatedRun {
  std::string engine;  // e.g. "SimGrid 3.32"
  unsigned cpus = 0;
  std::uint64_t seed = 0;  // run k of a series uses the first seed + k - 1
  std::string cost_source;
  std::string wakeup_source;
  std::string lock_model;
  std::vector<std::pair<std::string, double>> costs_ns;  // per operation, in the order given
  std::string page_model;
  // Time per write by what it went to (tools/pipe_bench/sim/breakdown.hpp), in ns.
  std::vector<std::pair<std::string, double>> breakdown_ns;
};

// What a replayed run (--replay, replay/) says about itself: the recording it replays, and what
// a replay counts besides the pool's counters (zero for the kernel's rows).
struct ReplayedRun {
  std::string recording;  // the file
  std::string recorder;
  std::string command;  // the recorded command line
  std::uint64_t calls = 0;
  std::uint64_t frees_at_release = 0;  // pages freed by closing pipes (not counted by pools)
  std::uint64_t pipes = 0;
  std::uint64_t short_calls = 0;  // recorded reads/writes the replay could not move in full
};

struct TargetResult {
  std::string target;
  RunConfig config;
  WorkloadResult run;
  unsigned run_index = 1;                           // 1-based, among the runs of its series
  std::optional<std::uint64_t> pressure_rss_bytes;  // stress-ng's RSS as this run started
  // With --memory-pressure: how much the reclaim counters grew during this run (after - before).
  std::optional<ReclaimCounters> reclaim;
  // Set for results that were not measured: simulated, or replayed from a recording.
  std::optional<SimulatedRun> simulated;
  std::optional<ReplayedRun> replayed;
};

// The pipe mutex, per write: time held and waited for by every caller (readers included), and how
// many acquisitions found it held. A mutex-bound pipe's writes/s is about 1 / hold_ns.
struct LockPerWrite {
  double hold_ns = 0;
  double wait_ns = 0;
  double contended = 0;
  double acquisitions = 0;
};
// True when the run had --memory-pressure and its counters show that reclaim happened.
[[nodiscard]] bool reclaimed(const TargetResult& result) noexcept;

// Pages a run's pipe allocated and freed (totals), and where the counts come from:
// kPagesFromPipepool (the policy's own counters) or kPagesFromKernel (kernel_pages/).
inline constexpr const char* kPagesFromPipepool = "pipepool counters";
inline constexpr const char* kPagesFromKernel = "kernel tracepoints";
struct PageTraffic {
  std::string source;
  std::optional<std::uint64_t> allocs;  // both set, or neither (then `unavailable` says why)
  std::optional<std::uint64_t> frees;
  std::string unavailable;
};

struct Metrics {
  std::uint64_t writes = 0;
  double writes_per_s = 0;
  double throughput_mbps = 0;  // MiB (2^20 bytes) written per second
  double lat_avg_ns = 0;
  std::uint64_t lat_p50_ns = 0;
  std::uint64_t lat_p90_ns = 0;
  std::uint64_t lat_p99_ns = 0;
  std::uint64_t lat_p999_ns = 0;
  std::uint64_t lat_max_ns = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  std::optional<pipepool::PoolStats> pool;  // pipepool targets only; totals, not per write
  std::optional<LockPerWrite> lock;         // pipepool targets only
  std::optional<PageTraffic> pages;         // pipepool and kernel targets; totals
};

// Rates use the measured elapsed time (start of the threads to the last writer's stop).
[[nodiscard]] Metrics compute_metrics(const TargetResult& result) noexcept;

}  // namespace pipe_bench
