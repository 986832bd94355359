// The .ppr recording format, version 1 (text, one record a line, fields separated by a space):
//
//   pipepool-recording 1
//   command <the command, shell-quoted, to the end of the line>
//   recorder strace
//   kernel <allocs> <frees>          or   kernel unavailable <why, to the end of the line>
//   calls <N>
//   <pipe inode> <kind> <requested> <result> [<peer inode>]      N lines, in replay order
//   end
//
// <kind> is one of CallKind's names; <result> is negative (-errno) for a failed call. A file
// without its `end` line, or with fewer or more calls than announced, is truncated.
#pragma once

#include <iosfwd>
#include <string>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

inline constexpr const char* kRecordingMagic = "pipepool-recording";
inline constexpr int kRecordingVersion = 1;

void write_recording(std::ostream& out, const Recording& recording);

struct ReadRecording {
  std::optional<Recording> recording;
  std::string error;  // one line when `recording` is unset
};

[[nodiscard]] ReadRecording read_recording(std::istream& in);
[[nodiscard]] ReadRecording read_recording_file(const std::string& path);

}  // namespace pipe_bench::replay
