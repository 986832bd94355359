// pipe_bench's command line: parsing and validation. Side effects are limited to checks that make
// bad input fail before anything runs: the --json / --csv / --plot files are opened for writing
// (not truncated), and stress-ng / gnuplot are looked up in $PATH when needed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/pressure_spec.hpp"
#include "pipe_bench/probe_measure.hpp"
#include "pipe_bench/resolve.hpp"
#include "pipepool/page_allocator.hpp"
#include "pipepool/pipe.hpp"

namespace pipe_bench {

inline const std::vector<unsigned> kSweepWriters{1, 2, 5};
inline const std::vector<unsigned> kSweepReaders{1, 5, 10};

// --simulate: the workload in virtual time on N simulated CPUs (tools/pipe_bench/sim/).
struct SimulateOptions {
  unsigned cpus = 2;
  std::uint64_t seed = 1;
  std::string costs_path;  // --sim-costs: a `--probe --probe-out` file; empty: built-in defaults
  // --sim-lock: fifo, kernel or pipepool (tools/pipe_bench/sim/sync.hpp)
  std::string lock_model = "fifo";
  // --sim-pages: one-cpu, kernel or model (tools/pipe_bench/sim/placement.hpp)
  std::string page_model = "kernel";
  // --memory-pressure: allocations stall in reclaim as the built-in kernel-reclaim preset measured
  bool memory_pressure = false;
};
inline const std::vector<std::string> kSimulateTargets{"legacy", "prealloc", "unified", "shrinker"};

struct Options {
  // Each configuration is one writers x readers x alloc-cost combination. Neither -w nor -r:
  // the selftest's sweep (kSweepWriters x kSweepReaders); only one of them: the other is 5.
  std::vector<unsigned> writers{5};
  std::vector<unsigned> readers{5};
  bool sweep = false;                             // neither -w nor -r was given
  std::size_t msg_size = 64 * 1024;               // the first of msg_sizes
  std::vector<std::size_t> msg_sizes{64 * 1024};  // -s: a comma list sweeps the message size
  double duration_s = 3.0;
  std::size_t pipe_size = 1024 * 1024;
  std::vector<std::string> targets;  // validated names, in the order given; never empty
  pipepool::AllocatorKind allocator = pipepool::AllocatorKind::os;
  std::vector<std::uint64_t> alloc_costs{0};  // model allocator busy-wait per allocation (ns)
  unsigned runs = 1;                          // per target and configuration, interleaved
  std::string baseline;                       // one of `targets`; default the first
  std::vector<std::string> baselines;         // --baseline's list; baselines.front() == baseline
  bool summary = false;
  std::optional<PressureSpec> pressure;  // --memory-pressure
  std::string stress_ng;                 // its path, when `pressure` is set
  double rate = 0;                       // writes/s per writer, open loop; 0 = closed loop
  bool verify = false;
  std::string json_path;  // empty: no JSON output
  std::string csv_path;   // empty: no CSV output
  std::string plot_path;  // empty: no plot; ends in .png or .svg
  std::string gnuplot;    // its path, when `plot_path` is set
  // --runs auto: rounds until every comparison is resolved (resolve.hpp). `runs` is then
  // kAutoMinRounds, the rounds every configuration runs at least.
  bool runs_auto = false;
  double ci_target_pct = kDefaultCiTargetPct;  // --ci-target: 95% CI half-width to reach, percent
  double max_time_s = kDefaultMaxTimeS;        // --max-time: for all configurations together
  // --probe: measure kernel pipe costs and derive a model preset instead of running the benchmark.
  bool probe = false;
  std::string probe_out;  // --probe-out; empty: no preset file
  unsigned probe_samples = kProbeDefaultSamples;
  // The model allocator's settings (-a model). Precedence, lowest first: the preset's values,
  // --free-share's re-split of the preset's alloc + free sum, then explicit --alloc-cost and
  // --free-cost. alloc_costs holds the allocation cost(s) used; model.alloc_cost_ns is its first.
  pipepool::ModelAllocatorConfig model{};
  std::optional<ModelPreset> model_preset;                 // --model-preset or --model
  pipepool::CopyMode copy = pipepool::CopyMode::parallel;  // --copy (pipepool targets)
  // --legacy-cache, --pool-keep, --pool-max (pipepool targets); valid (pipepool::validate).
  pipepool::PoolSizes pool_sizes{};
  std::optional<SimulateOptions> simulate;  // --simulate
};

// Either options to run with, or an exit code and the text to print:
//   exit 0, `output` = help text (stdout)       for --help
//   exit 2, `output` = one-line error (stderr)  for bad input; the line names the flag
struct ParseOutcome {
  std::optional<Options> options;
  int exit_code = 0;
  std::string output;
};

[[nodiscard]] ParseOutcome parse_options(int argc, const char* const* argv);

// "4096", "64K", "1M", "2G" (suffixes are powers of 1024, either case). nullopt on an empty
// string, a bad suffix, a non-digit, or overflow.
[[nodiscard]] std::optional<std::size_t> parse_size(std::string_view text) noexcept;

// The pool-size flags' values as given (unset: not given).
struct PoolSizeFlags {
  std::optional<std::string> legacy_cache;  // --legacy-cache
  std::optional<std::string> keep;          // --pool-keep
  std::optional<std::string> max;           // --pool-max
};

// Sets the given fields of `sizes` from `flags`. Empty on success, else the one-line error
// naming the flag (without the "pipe_bench: " prefix); `sizes` is then unspecified.
[[nodiscard]] std::string parse_pool_size_flags(const PoolSizeFlags& flags,
                                                pipepool::PoolSizes& sizes);

// "1024" -> "1 KiB", "65536" -> "64 KiB", "1000" -> "1000 B".
[[nodiscard]] std::string format_size(std::size_t bytes);

}  // namespace pipe_bench
