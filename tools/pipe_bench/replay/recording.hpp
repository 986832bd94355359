// A recorded program: its pipe calls in replay order and the kernel's pipe-page counts for a run
// of the same command (the .ppr text format, read and written by recording_file.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipe_bench::replay {

// What a recorded call did to its pipe. `create`: pipe()/pipe2() made it. `write` / `read`:
// write/writev or read/readv on it (and splice or vmsplice whose other side is not a pipe:
// `splice_in` put bytes in from a file without copying, `splice_out` took them out to one).
// `splice` / `tee` move or duplicate buffers to the pipe `peer`. `vmsplice`: user pages
// referenced by the pipe. `set_size`: fcntl F_SETPIPE_SZ. `release`: its last descriptor closed.
// `resume`: a write into the pipe that slept (waiting for room) ran again, or returned after
// sleeping: the bytes its writers still have to put in go in now (tracepoint recorder only).
enum class CallKind {
  create,
  write,
  read,
  splice_in,
  splice_out,
  splice,
  tee,
  vmsplice,
  set_size,
  release,
  resume
};

[[nodiscard]] std::string_view to_string(CallKind kind) noexcept;
[[nodiscard]] std::optional<CallKind> parse_call_kind(std::string_view name) noexcept;

struct PipeCall {
  std::uint64_t pipe = 0;  // names the pipe (strace: its inode; tracepoints: numbered from 1)
  CallKind kind = CallKind::write;
  std::uint64_t requested = 0;  // bytes asked for (F_SETPIPE_SZ: the size asked for)
  std::int64_t result = 0;      // what the call returned; a failed call: -errno (-1 if unknown)
  std::uint64_t peer = 0;       // splice / tee: the destination pipe
  bool operator==(const PipeCall&) const = default;
};

struct KernelCount {
  std::optional<std::uint64_t> allocs;  // unset when `unavailable` says why
  std::optional<std::uint64_t> frees;
  std::string unavailable;
  bool operator==(const KernelCount&) const = default;
};

struct Recording {
  std::string command;              // shell-quoted, for people
  std::string recorder = "strace";  // or "tracepoints"
  KernelCount kernel;
  // What may have made the recorder's descriptor tables wrong -> how many times (tracepoints).
  std::map<std::string, std::uint64_t> warnings;
  std::vector<PipeCall> calls;
  bool operator==(const Recording&) const = default;
};

}  // namespace pipe_bench::replay
