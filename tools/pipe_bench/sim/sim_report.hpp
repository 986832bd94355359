// What the simulation adds to pipe_bench's reporters: its runs as TargetResults that say they are
// simulated (CPUs, seed, cost source), the header naming the engine and the costs, and the
// simulation's speed. Every other output (rows, tables, JSON, CSV, plot, summary) is the measured
// runs' own, fed with these results.
#pragma once

#include <cstdint>
#include <string>

#include "pipe_bench/context.hpp"
#include "pipe_bench/result.hpp"
#include "pipe_bench/sim/simulation.hpp"

namespace pipe_bench::sim {

// A simulated run as pipe_bench's result type: virtual seconds for elapsed time and latencies,
// the simulated pipe's counters as the pipe stats, and `simulated` set (engine, CPUs, seed, cost
// source, costs, lock model). The allocator is reported as "simulated".
[[nodiscard]] TargetResult to_target_result(const SimConfig& config, const SimOutcome& outcome);

// "pipe_bench: SIMULATED (SimGrid), 2 CPUs, seed 1, ..." and the cost line; with several runs
// (`runs_over_seeds`) the seed line says that run k uses seed + k - 1.
[[nodiscard]] std::string format_sim_header(const SimConfig& config, unsigned configurations,
                                            bool runs_over_seeds, const RunContext& context);

// "simulation speed: 0.5 s of wall time for 2 runs, 161 k steps/s".
[[nodiscard]] std::string format_sim_speed(double wall_s, unsigned runs, std::uint64_t steps);

}  // namespace pipe_bench::sim
