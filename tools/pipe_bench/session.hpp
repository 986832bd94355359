// All the runs of one pipe_bench invocation, grouped by configuration and target, and what is
// derived across runs: medians, min-max, and paired comparisons with the baseline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipe_bench/compare.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/resolve.hpp"
#include "pipe_bench/result.hpp"

namespace pipe_bench {

// One writers x readers x alloc-cost combination.
struct Configuration {
  std::size_t index = 0;  // 0-based, in run order
  unsigned writers = 0;
  unsigned readers = 0;
  std::uint64_t alloc_cost_ns = 0;
  std::size_t msg_size = 0;  // bytes per write; 0: Options::msg_size
};

// The configurations Options describe, in run order: alloc cost, then message size, then writers,
// then readers (the selftest's order for the sweep).
[[nodiscard]] std::vector<Configuration> make_plan(const Options& options);

// Bytes per write at `config`: its message size (or Options::msg_size), as a --verify record.
[[nodiscard]] std::size_t message_size(const Options& options, const Configuration& config);

// The runs of one target at one configuration, in run order.
struct Series {
  std::string target;
  std::vector<TargetResult> runs;
};

struct ConfigResults {
  Configuration config;
  std::vector<Series> series;  // in -t order
};

// Each metric's median, min and max over a series' runs, taken metric by metric (so the medians
// of different metrics may come from different runs). Integer metrics round the median to the
// nearest integer. `pool` is set only when every run has pool counters.
struct SeriesStats {
  Metrics median;
  Metrics min;
  Metrics max;
};
[[nodiscard]] SeriesStats summarize(const Series& series);

// The median of each field of the simulated runs' time-per-write breakdown (SimulatedRun's
// breakdown_ns), in its order; empty when no run has one.
[[nodiscard]] std::vector<std::pair<std::string, double>> median_breakdown(const Series& series);

// The metrics compared with the baseline.
inline constexpr const char* kMetricWritesPerS = "writes_per_s";
inline constexpr const char* kMetricLatAvg = "lat_avg_ns";

// With --runs auto, how far a comparison got (resolve.hpp). Only the writes/s comparisons steer
// the stopping; a latency comparison's `resolved` says whether its CI met the target anyway.
struct Resolution {
  double half_width = 0;                   // fraction, +infinity without a CI
  double ci_target = 0;                    // fraction
  bool resolved = false;                   // half_width <= ci_target
  unsigned rounds = 0;                     // rounds run at the configuration
  StopReason stop = StopReason::resolved;  // why the configuration stopped
};

struct Comparison {
  std::size_t config_index = 0;
  std::string baseline;
  std::string target;
  std::string metric;  // kMetricWritesPerS or kMetricLatAvg
  RatioEstimate estimate;
  std::optional<Resolution> resolution;  // --runs auto only
};

// Every target but the baseline vs the baseline, per configuration, for both metrics, pairing
// run i with run i. Pairs whose metric is not positive are left out (no comparison).
[[nodiscard]] std::vector<Comparison> compare_with_baseline(
    const std::vector<ConfigResults>& results, const std::string& baseline);

}  // namespace pipe_bench
