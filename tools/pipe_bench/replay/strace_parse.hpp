// Reads the output of `strace -f -q -y -ttt -s 2 -e trace=<kStraceSyscalls> -o FILE` (one line per
// call, each starting with the task's pid, or `[pid N]`, and a timestamp) into the pipe calls of
// a Recording, in replay order.
//
// - A call split by another task's (`... <unfinished ...>`, later `<... name resumed> ...`) is
//   joined. Its place in the order: a write where it started (its bytes go in as room allows), a
//   read where it ended (it returns once bytes came), every other call where it ended.
// - `-y` names each descriptor's pipe (`3<pipe:[12345]>`), so calls need no descriptor table;
//   the tables (pipe/pipe2, dup/dup2/dup3, fcntl F_DUPFD, close, clone/fork/vfork, exit) only say
//   when a pipe's last descriptor closes, which becomes a `release` call.
// - Failed calls are kept with a negative result (-errno; -1 when unknown or `?`).
#pragma once

#include <cstdint>
#include <istream>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

// The -e trace= list the recorder passes.
inline constexpr const char* kStraceSyscalls =
    "pipe,pipe2,read,write,readv,writev,splice,tee,vmsplice,fcntl,close,dup,dup2,dup3,clone,"
    "clone3,fork,vfork,exit_group";

struct StraceParse {
  std::vector<PipeCall> calls;
  std::uint64_t lines = 0;     // lines read
  std::uint64_t unparsed = 0;  // lines that were neither a call, a signal nor an exit
};

[[nodiscard]] StraceParse parse_strace(std::istream& in);

}  // namespace pipe_bench::replay
