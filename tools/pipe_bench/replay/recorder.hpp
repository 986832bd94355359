// `--record`: records a command's pipe calls with one of two recorders.
// - tracepoints (tracepoint_recorder.hpp): one run, the calls read from the kernel's syscall
//   tracepoints in the same run whose pipe pages the kernel counts. The default where it can run
//   (root or CAP_PERFMON, tracefs).
// - strace: runs the command twice. Once under strace (kStraceSyscalls, every task the command
//   starts followed), whose output strace_parse.hpp turns into the pipe calls; once without strace
//   under the kernel's pipe-page counters (kernel_pages/), which count the whole run's pipe pages.
//   strace slows every call, so the two runs interleave reads and writes differently.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

struct RecordOutcome {
  std::optional<Recording> recording;
  std::string error;    // one line when there is no recording
  std::string summary;  // what the recorder read, for people ("N trace lines, M not understood")
  std::string note;     // why the default recorder was not the tracepoint one, if it was not
};

enum class RecorderChoice { automatic, tracepoints, strace };

// `tracefs_root`: where the counters and the recorder look for the tracepoints' format files.
// `automatic`: tracepoints where tracepoints_unavailable() says they can run, else strace.
[[nodiscard]] RecordOutcome record(const std::vector<std::string>& command,
                                   const std::string& tracefs_root, RecorderChoice choice,
                                   std::FILE* err);

[[nodiscard]] RecordOutcome record_with_strace(const std::vector<std::string>& command,
                                               const std::string& tracefs_root, std::FILE* err);

// The command as a shell would need it typed (single quotes where needed).
[[nodiscard]] std::string shell_quote(const std::vector<std::string>& command);

}  // namespace pipe_bench::replay
