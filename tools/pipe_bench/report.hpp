// Text reports of a benchmark run (printed as runs finish), and the Core JSON of a flat list of
// results. The full JSON of a session is in json_report.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

// Text, each function returning whole lines ending in '\n'.
// The configuration and machine, e.g. "pipe_bench: 5 writers, 5 readers, msg 64 KiB, ...";
// writers == 0 leaves the thread counts out (a sweep prints them per configuration).
[[nodiscard]] std::string format_header(const RunConfig& config, const RunContext& context);
// "memory pressure: stress-ng ... (RSS 3.1 GiB when measuring started, after 1.4 s)"; empty
// when off.
[[nodiscard]] std::string format_pressure(const RunContext& context);
// The shrinker's pressure-source context line; empty when no shrinker target runs.
[[nodiscard]] std::string format_shrinker_pressure(const RunContext& context);
// "== 5 writers, 10 readers, alloc cost 250 ns (configuration 3 of 9)"; a non-zero `msg_size`
// (when -s sweeps sizes) adds ", msg 4 KiB"; a `source` ("simulated") ends the parenthesis:
// "(configuration 3 of 9, simulated)".
[[nodiscard]] std::string format_config_header(const Configuration& config, std::size_t count,
                                               bool show_cost, std::size_t msg_size = 0,
                                               const std::string& source = {});
// Column titles of the main table, then one row per run; `run_column` adds the run number.
[[nodiscard]] std::string format_table_header(bool run_column = false);
[[nodiscard]] std::string format_row(const TargetResult& result, bool run_column = false);
// The line under a row with --memory-pressure: "reclaim: failcnt +2210, ..." or "reclaim: no
// reclaim (failcnt +0, ...)"; empty without counters.
[[nodiscard]] std::string format_reclaim_row(const TargetResult& result);
// Pool counters per write for the pipepool targets; empty when no result has them.
[[nodiscard]] std::string format_pool_table(const std::vector<TargetResult>& results);
// writes/s of each target divided by that of `baseline` (when it is not legacy or kernel), of
// `legacy`, of `kernel` and of `memcpy`, for those that ran; empty when none of them ran.
[[nodiscard]] std::string format_ratios(const std::vector<TargetResult>& results,
                                        const std::string& baseline = {});
// Per target: median [min-max] writes/s, and median latencies, over the series' runs.
[[nodiscard]] std::string format_medians(const ConfigResults& results);
// The comparisons of one configuration: ratio and 95% CI per target and metric.
[[nodiscard]] std::string format_comparisons(const std::vector<Comparison>& comparisons,
                                             std::size_t config_index);
// Across configurations: one row per configuration, median writes/s per target.
[[nodiscard]] std::string format_sweep_table(const std::vector<ConfigResults>& results,
                                             bool show_cost);

// A series' runs added up: counts, bytes, times and pool counters summed, histograms merged,
// pool peak the largest. For the pool table of a configuration with several runs.
[[nodiscard]] TargetResult pooled(const Series& series);

// {"context": {...}, "results": [{"target", "config": {...}, "metrics": {...}}]}; the pool
// counters are null for targets without them. Each result is one run.
[[nodiscard]] nlohmann::ordered_json to_json(const RunContext& context,
                                             const std::vector<TargetResult>& results);

}  // namespace pipe_bench
