// `pipe_bench --simulate`: every configuration (writers x readers x message size) and target,
// simulated once each with the given seed; text on `out`, JSON with --json.
#pragma once

#include <cstdio>

#include "pipe_bench/options.hpp"

namespace pipe_bench::sim {

// 0 on success; 1 with one line on `err` when the costs cannot be read, a simulation fails or the
// JSON file cannot be written.
int run_simulate_command(const Options& options, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench::sim
