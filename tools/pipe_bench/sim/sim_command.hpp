// `pipe_bench --simulate`: the run loop (run_loop.hpp) over simulated runs (sim_source.hpp), every
// configuration (writers x readers x message size) and target, --runs N or --runs auto over
// seeds; the measured runs' reporters: text on `out`, --json, --csv, --plot, --summary.
#pragma once

#include <cstdio>

#include "pipe_bench/options.hpp"

namespace pipe_bench::sim {

// 0 on success; 1 with one line on `err` when the costs cannot be read, a simulation fails or a
// report file cannot be written; 130 when interrupted.
int run_simulate_command(const Options& options, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench::sim
