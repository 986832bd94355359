// Runs the benchmark an Options describes: every configuration, every target, --runs times
// interleaved; reports to `out`, errors and progress to `err`.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/options.hpp"
#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

inline constexpr double kRunOverheadS = 0.1;  // pipe set-up, thread start and join, per run

// Opens every target once before any thread starts, so that a configuration a target refuses
// (e.g. --pipe-size above pipe-max-size) fails fast. Returns 0, or the exit code after printing
// the one-line error to `err`.
[[nodiscard]] int preflight(const Options& options, std::FILE* err);

// Runs one target's workload at one configuration on a fresh pipe. On failure returns nullopt,
// with `exit_code` set (2: the target refused the configuration, 1: the run failed) and a line
// printed to `err`. A run cut short by an interrupt is returned with run.cancelled set.
[[nodiscard]] std::optional<TargetResult> run_target(const Options& options,
                                                     const Configuration& config,
                                                     const std::string& target, std::FILE* err,
                                                     int& exit_code);
// The first configuration of the plan (Core behaviour: one configuration).
[[nodiscard]] std::optional<TargetResult> run_target(const Options& options,
                                                     const std::string& target, std::FILE* err,
                                                     int& exit_code);

// The whole benchmark: preflight, memory pressure, the run loop (run_loop.hpp) over measured runs
// (measured_source.hpp), with the text report (text_report.hpp) as it goes, then the closing
// text and the JSON / CSV / plot files (report_files.hpp). Returns the process
// exit code (0, 1, 2, or 130 when interrupted).
[[nodiscard]] int run_benchmark(const Options& options, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench
