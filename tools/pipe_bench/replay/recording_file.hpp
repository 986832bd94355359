// The .ppr recording format, version 3 (text, one record a line, fields separated by a space):
//
//   pipepool-recording 3
//   command <the command, shell-quoted, to the end of the line>
//   recorder strace                  or   recorder tracepoints
//   kernel <allocs> <frees>          or   kernel unavailable <why, to the end of the line>
//   warning <count> <what, to the end of the line>            zero or more lines
//   calls <N>
//   <pipe> <kind> <requested> <result> [<peer pipe>]          N lines, in replay order
//   end
//
// <pipe> names a pipe (strace: its inode; tracepoints: numbered from 1). <kind> is one of
// CallKind's names; <result> is negative (-errno) for a failed call. A file without its `end`
// line, or with fewer or more calls than announced, is truncated. Versions 2 (no `resume` calls)
// and 1 (no `warning` lines either) are read too.
#pragma once

#include <iosfwd>
#include <string>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

inline constexpr const char* kRecordingMagic = "pipepool-recording";
inline constexpr int kRecordingVersion = 3;
inline constexpr int kOldestRecordingVersion = 1;

void write_recording(std::ostream& out, const Recording& recording);

struct ReadRecording {
  std::optional<Recording> recording;
  std::string error;  // one line when `recording` is unset
};

[[nodiscard]] ReadRecording read_recording(std::istream& in);
[[nodiscard]] ReadRecording read_recording_file(const std::string& path);

}  // namespace pipe_bench::replay
