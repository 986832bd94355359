// The command lines `pipe_bench --record FILE [--tracefs DIR] -- CMD [ARGS...]` and
// `pipe_bench --replay FILE [-t POLICIES] [--json F] [--csv F] [--summary]`, parsed apart from the
// measured runs' options. A replay goes through the run loop (run_loop.hpp) over the recording
// (replay_source.hpp): its table is replay_report.hpp's, its JSON and CSV the measured runs' own.
// Errors are one line on `err` and exit code 2.
#pragma once

#include <cstdio>

namespace pipe_bench::replay {

// Whether argv asks for --record or --replay (before any `--`).
[[nodiscard]] bool is_replay_command(int argc, char** argv);

[[nodiscard]] int run_replay_command(int argc, char** argv, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench::replay
