// Turns the syscall tracepoints of a recorded process tree (syscall_events.hpp), in time order,
// into a Recording's pipe calls, following every task's descriptor table from the calls alone:
//
// - pipe/pipe2 (and socketpair) take the two lowest free descriptors of the caller's table, read
//   end first (the kernel's rule); every other call that makes a descriptor returns its number,
//   which must also be the lowest free one (checked); dup2/dup3/F_DUPFD copy a descriptor; close,
//   close_range and a successful execve's close-on-exec descriptors remove them.
// - fork and vfork copy the parent's table; clone copies or, with CLONE_FILES, shares it; clone3
//   keeps its flags in user memory the tracepoint does not show, so a new thread is taken to
//   share its process's table and a new process to copy it (counted as a warning).
// - Replay order: a write (write/writev, vmsplice, splice in from a file) at its entry, since the
//   kernel copies its bytes into the pipe as soon as there is room; a read at its exit, since it
//   returns once it copied what it found; every other call at its exit. A write that sleeps
//   (its task gives up its CPU during the call, not preempted: PERF_RECORD_SWITCH) adds a
//   `resume` of its pipe each time its task gets a CPU back after sleeping and one at its exit:
//   what it still has to put in goes in there, not as soon as a read makes room. Then a short read
//   goes before the writes whose bytes it did not get (short_reads.hpp): a write that entered
//   before the read returned but found the mutex held copied after it. A pipe's release at the
//   event that closed its last descriptor (close, exec, task exit).
// - What could make a table wrong is counted in `warnings` (one line each, with its count), never
//   guessed silently: a call on a descriptor the table does not hold, a read on a write end, a
//   new descriptor other than the lowest free one, calls that may make descriptors the follower
//   cannot see (recvmsg with SCM_RIGHTS, bpf, seccomp listeners, ...).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipe_bench/replay/fd_tables.hpp"
#include "pipe_bench/replay/recording.hpp"
#include "pipe_bench/replay/syscall_events.hpp"

namespace pipe_bench::replay {

// A descriptor of the first task before the recording began (from /proc/PID/fd and fdinfo).
struct InitialFd {
  int fd = -1;
  std::optional<std::uint64_t> pipe_inode;  // set for a pipe
  bool write_end = false;
  bool cloexec = false;
};

struct FollowedCalls {
  std::vector<PipeCall> calls;                    // in replay order
  std::map<std::string, std::uint64_t> warnings;  // what made a table uncertain -> times
  std::uint64_t syscalls = 0;                     // enter/exit pairs followed
  // page_alloc events (the kernel's pipe pages, same run): inside a recorded write to a pipe
  // (write/writev/vmsplice, splice into a pipe), or anywhere else.
  std::uint64_t allocs_in_pipe_writes = 0;
  std::uint64_t allocs_elsewhere = 0;
  std::uint64_t short_reads_moved = 0;  // short reads placed before writes they did not see
};

// The syscall numbers the follower needs to see (the recorder's kernel-side filter).
[[nodiscard]] std::vector<long> followed_syscalls();

class SyscallFollower {
 public:
  // `first_tid`: the task whose table `initial` is; every other task descends from it.
  SyscallFollower(int first_tid, const std::vector<InitialFd>& initial);

  // Events in time order.
  void event(const TraceEvent& e);
  [[nodiscard]] FollowedCalls finish();

 private:
  struct Pending {
    std::int64_t nr = -1;
    std::array<std::uint64_t, 6> args{};
    std::uint64_t time = 0;
    std::optional<Descriptor> first;   // the descriptor in args[0] when the call began
    std::optional<Descriptor> second;  // splice's fd_out, tee's fd_out
    bool asleep = false;  // a write into a pipe whose task gave up its CPU and has not run since
    bool slept = false;   // ... that ran again after sleeping
  };
  struct Keyed {
    std::uint64_t time;
    PipeCall call;
  };

  [[nodiscard]] bool in_pipe_write(int tid) const;
  // The pipe a write, writev, vmsplice or splice from a file puts bytes into, if it is one.
  [[nodiscard]] static std::optional<std::uint64_t> written_pipe(const Pending& p);
  void switched(const TraceEvent& e);
  void resume(std::uint64_t pipe, std::uint64_t time);
  void enter(const TraceEvent& e);
  void exit(const TraceEvent& e);
  void fork(const TraceEvent& e);
  void syscall(int tid, const Pending& p, std::int64_t ret, std::uint64_t exit_time);
  void io(int tid, const Pending& p, std::int64_t ret, CallKind kind, std::uint64_t requested,
          std::uint64_t time);
  void made(int tid, std::int64_t ret, bool cloexec);
  void copy(int tid, const Pending& p, int to, bool cloexec);
  void warn(const std::string& what) { ++out_.warnings[what]; }
  void emit(std::uint64_t time, PipeCall call) { keyed_.push_back({time, call}); }
  std::uint64_t new_pipe();

  FdTables tables_;
  FollowedCalls out_;
  std::vector<Keyed> keyed_;
  std::map<int, Pending> pending_;
  std::set<std::uint64_t> created_;  // pipes made by pipe/pipe2 and not released yet
  std::uint64_t next_pipe_ = 1;
  std::uint64_t now_ = 0;
};

}  // namespace pipe_bench::replay
