// Reports of simulated runs. The rows and the per-write page and mutex tables are pipe_bench's
// own reporters (report.hpp) fed with TargetResults; what is added here marks every output as
// simulated and names the CPUs, the seed and the cost source.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/result.hpp"
#include "pipe_bench/sim/simulation.hpp"

namespace pipe_bench::sim {

// A simulated run as pipe_bench's result type: virtual seconds for elapsed time and latencies,
// the simulated pipe's counters as the pipe stats. The allocator is reported as "simulated".
[[nodiscard]] TargetResult to_target_result(const SimConfig& config, const SimOutcome& outcome);

// "pipe_bench: SIMULATED (SimGrid), 2 CPUs, seed 1, ..." and the cost line.
[[nodiscard]] std::string format_sim_header(const SimConfig& config, unsigned configurations,
                                            const RunContext& context);

// to_json's document with "simulated": true and a "simulation" object (engine, CPUs, seed, cost
// source, costs, lock model) at the top and "simulated": true in every result.
[[nodiscard]] nlohmann::ordered_json sim_json(const SimConfig& config, const RunContext& context,
                                              const std::vector<TargetResult>& results);

}  // namespace pipe_bench::sim
