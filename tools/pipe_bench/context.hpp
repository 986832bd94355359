// The machine and build a run happened on, for the reports' context block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/reclaim_counters.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench {

// What --memory-pressure ran, and how much memory it held when measuring started.
struct PressureInfo {
  std::string command;  // "stress-ng --vm 4 --vm-bytes 80% --vm-method all"
  unsigned workers = 0;
  std::string vm_bytes;
  std::string method;
  std::uint64_t rss_bytes_at_start = 0;  // resident memory of stress-ng's whole process group
  double ramp_s = 0;                     // how long pipe_bench waited for it to ramp up
  // cgroup mode (mode "cgroup"; the stress-ng fields above are then empty / 0).
  std::string mode = "stress-ng";  // "cgroup" or "stress-ng"
  std::string cgroup{};            // the cgroup directory pipe_bench made, e.g. ".../pipe_bench-42"
  int cgroup_version = 0;
  std::uint64_t limit_bytes = 0;
  std::uint64_t cache_file_bytes = 0;
  std::string cache_dir{};
  std::optional<ReclaimCounters> idle_reclaim{};  // the counters' growth with pipe_bench idle
  double idle_s = 0;                              // over this many seconds
  // Set after the runs when some run's counters did not grow: "no reclaim was caused in 2 of 4
  // runs (...): <why>".
  std::string no_reclaim{};
};

struct RunContext {
  std::string date;  // ISO 8601 UTC, e.g. 2026-11-25T22:08:00Z
  std::string host;
  std::string kernel;     // uname -r
  std::string cpu_model;  // /proc/cpuinfo "model name", or "unknown"
  unsigned cores = 0;     // online CPUs
  std::string build_type;
  std::string pipepool_version;
  std::string git_revision;  // `git rev-parse --short HEAD` at configure time, or "unknown"
  std::optional<PressureInfo> pressure;  // set when --memory-pressure is on
  // When a shrinker target runs: the pressure source pipepool's monitor started with
  // (pipepool::start_pressure_monitor's answer, e.g. "psi", "cgroup+memory.events",
  // "none: <reasons>"), and why memory.events is not watched, if it is not.
  std::optional<std::string> shrinker_pressure_source;
  std::string shrinker_memory_events_note;
  std::optional<ModelPreset> model_preset;  // -a model with --model-preset or --model
  std::string copy_mode = "parallel";       // --copy: the pipepool targets' copy mode
  pipepool::PoolSizes pool_sizes{};         // --legacy-cache, --pool-keep, --pool-max
};

// Reads the clock, uname, /proc/cpuinfo and the build settings compiled in.
[[nodiscard]] RunContext collect_context();

}  // namespace pipe_bench
