// The machine and build a run happened on, for the reports' context block.
#pragma once

#include <string>

namespace pipe_bench {

struct RunContext {
  std::string date;  // ISO 8601 UTC, e.g. 2026-11-25T22:08:00Z
  std::string host;
  std::string kernel;     // uname -r
  std::string cpu_model;  // /proc/cpuinfo "model name", or "unknown"
  unsigned cores = 0;     // online CPUs
  std::string build_type;
  std::string pipepool_version;
};

// Reads the clock, uname, /proc/cpuinfo and the build settings compiled in.
[[nodiscard]] RunContext collect_context();

}  // namespace pipe_bench
