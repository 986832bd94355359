// Reports of a benchmark run: a text table (printed row by row as targets finish) and JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/result.hpp"

namespace pipe_bench {

// Text, each function returning whole lines ending in '\n'.
// The configuration and machine, e.g. "pipe_bench: 5 writers, 5 readers, msg 64 KiB, ...".
[[nodiscard]] std::string format_header(const RunConfig& config, const RunContext& context);
// Column titles of the main table, then one row per target.
[[nodiscard]] std::string format_table_header();
[[nodiscard]] std::string format_row(const TargetResult& result);
// Pool counters per write for the pipepool targets; empty when no result has them.
[[nodiscard]] std::string format_pool_table(const std::vector<TargetResult>& results);
// writes/s of each target divided by that of `legacy` and of `kernel`, for those that ran;
// empty when neither ran.
[[nodiscard]] std::string format_ratios(const std::vector<TargetResult>& results);

// {"context": {...}, "results": [{"target", "config": {...}, "metrics": {...}}]}; the pool
// counters are null for targets without them.
[[nodiscard]] nlohmann::ordered_json to_json(const RunContext& context,
                                             const std::vector<TargetResult>& results);

}  // namespace pipe_bench
