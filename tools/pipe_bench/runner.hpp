// Runs the benchmark an Options describes: every target in turn, reports to `out`, errors to `err`.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/options.hpp"
#include "pipe_bench/result.hpp"

namespace pipe_bench {

// Opens every target once before any thread starts, so that a configuration a target refuses
// (e.g. --pipe-size above pipe-max-size) fails fast. Returns 0, or the exit code after printing
// the one-line error to `err`.
[[nodiscard]] int preflight(const Options& options, std::FILE* err);

// Runs one target's workload on a fresh pipe. On failure returns nullopt, with `exit_code`
// set (2: the target refused the configuration, 1: the run failed) and a line printed to `err`.
[[nodiscard]] std::optional<TargetResult> run_target(const Options& options,
                                                     const std::string& target, std::FILE* err,
                                                     int& exit_code);

// The whole benchmark: preflight, each target in order with its row printed as it finishes,
// the pool and ratio tables, then the JSON file. Returns the process exit code.
[[nodiscard]] int run_benchmark(const Options& options, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench
