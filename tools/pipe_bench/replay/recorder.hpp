// `--record`: runs a command twice. Once under strace (kStraceSyscalls, every task the command
// starts followed), whose output strace_parse.hpp turns into the pipe calls; once without strace
// under the kernel's pipe-page counters (kernel_pages/), which count the whole run's pipe pages.
// strace slows every call, so the two runs may interleave reads and writes differently; the
// counted run is the one the kernel's numbers come from.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

struct RecordOutcome {
  std::optional<Recording> recording;
  std::string error;  // one line when there is no recording
  std::uint64_t trace_lines = 0;
  std::uint64_t unparsed_lines = 0;
};

// `tracefs_root`: where the counters look for the tracepoints' format files.
[[nodiscard]] RecordOutcome record(const std::vector<std::string>& command,
                                   const std::string& tracefs_root, std::FILE* err);

// The command as a shell would need it typed (single quotes where needed).
[[nodiscard]] std::string shell_quote(const std::vector<std::string>& command);

}  // namespace pipe_bench::replay
