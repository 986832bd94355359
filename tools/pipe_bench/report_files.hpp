// The report files of a session: --json (the session's document with the run options), --csv
// and --plot. They read results only.
#pragma once

#include <cstdio>
#include <string>

#include "pipe_bench/context.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/run_loop.hpp"

namespace pipe_bench {

// Writes each file the options ask for; `plot_title` is the first line of the plot's title.
// Returns 0, or 1 after printing a one-line error to `err`.
[[nodiscard]] int write_report_files(const Options& options, const RunContext& context,
                                     const SessionResults& session, const std::string& plot_title,
                                     std::FILE* err);

}  // namespace pipe_bench
