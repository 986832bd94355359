// The tracepoint recorder's descriptor-table follower, fed syscall events by hand: pipe2 takes
// the two lowest free descriptors, dup2 onto a pipe end, fork copies a table and CLONE_FILES
// shares it, a close in any process, O_CLOEXEC at exec, failed calls change nothing, and what
// the follower cannot be sure of is counted as a warning.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/syscall.h>

#include <vector>

#include "pipe_bench/replay/syscall_follower.hpp"

namespace {

using namespace pipe_bench::replay;

// Writes events for a process tree, one nanosecond apart.
class Script {
 public:
  explicit Script(std::vector<InitialFd> initial = {{0, {}, false, false},
                                                    {1, {}, true, false},
                                                    {2, {}, true, false}})
      : follower_(kFirst, initial) {}

  static constexpr int kFirst = 100;

  // A whole call of `tid` (in process `pid`), entry then exit.
  Script& call(int tid, long nr, std::array<std::uint64_t, 6> args, std::int64_t ret, int pid = 0) {
    enter(tid, nr, args, pid);
    return exit(tid, nr, ret, pid);
  }
  Script& enter(int tid, long nr, std::array<std::uint64_t, 6> args, int pid = 0) {
    TraceEvent e = base(tid, pid, TraceEventKind::enter);
    e.nr = nr;
    e.args = args;
    follower_.event(e);
    return *this;
  }
  Script& exit(int tid, long nr, std::int64_t ret, int pid = 0) {
    TraceEvent e = base(tid, pid, TraceEventKind::exit);
    e.nr = nr;
    e.ret = ret;
    follower_.event(e);
    return *this;
  }
  // `parent` (inside clone/fork since its `enter`) started `child`.
  Script& started(int parent, int child, bool thread) {
    TraceEvent e = base(child, thread ? parent : child, TraceEventKind::fork);
    e.parent_pid = parent;
    e.parent_tid = parent;
    follower_.event(e);
    return *this;
  }
  // The kernel allocated a pipe page in task `tid`.
  Script& page_alloc(int tid) {
    follower_.event(base(tid, tid, TraceEventKind::page_alloc));
    return *this;
  }
  // `tid` gave up its CPU (slept) and got one again.
  Script& slept(int tid) {
    follower_.event(base(tid, tid, TraceEventKind::sleep));
    follower_.event(base(tid, tid, TraceEventKind::switch_in));
    return *this;
  }
  // `tid` was preempted and got its CPU back: no sleep record comes before the switch in.
  Script& preempted(int tid) {
    follower_.event(base(tid, tid, TraceEventKind::switch_in));
    return *this;
  }
  Script& ended(int tid) {
    follower_.event(base(tid, tid, TraceEventKind::task_exit));
    return *this;
  }
  FollowedCalls finish() { return follower_.finish(); }

 private:
  TraceEvent base(int tid, int pid, TraceEventKind kind) {
    TraceEvent e;
    e.time = ++time_;
    e.tid = tid;
    e.pid = pid != 0 ? pid : tid;
    e.kind = kind;
    return e;
  }
  SyscallFollower follower_;
  std::uint64_t time_ = 0;
};

std::vector<CallKind> kinds(const FollowedCalls& f) {
  std::vector<CallKind> out;
  for (const PipeCall& c : f.calls) out.push_back(c.kind);
  return out;
}

constexpr int P = Script::kFirst;

TEST(BenchSyscallFollower, Pipe2TakesTheTwoLowestFreeDescriptors) {
  Script s;
  // fd 3 open, 4 free, 5 open: the pipe gets 4 (read end) and 6 (write end).
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 3).call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 4);
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 5).call(P, SYS_close, {4, 0, 0, 0, 0, 0}, 0);
  s.call(P, SYS_pipe2, {0x7ff0, 0, 0, 0, 0, 0}, 0);
  s.call(P, SYS_write, {6, 0, 100, 0, 0, 0}, 100);
  s.call(P, SYS_read, {4, 0, 4096, 0, 0, 0}, 100);
  s.call(P, SYS_write, {5, 0, 7, 0, 0, 0}, 7);  // a file: not a pipe call
  s.call(P, SYS_close, {4, 0, 0, 0, 0, 0}, 0).call(P, SYS_close, {6, 0, 0, 0, 0, 0}, 0);
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::read,
                                             CallKind::release}));
  EXPECT_EQ(f.calls[1].requested, 100u);
  EXPECT_EQ(f.calls[1].result, 100);
  EXPECT_EQ(f.calls[2].requested, 4096u);
  EXPECT_EQ(f.calls[2].result, 100);
  EXPECT_TRUE(f.warnings.empty()) << f.warnings.begin()->first;
}

TEST(BenchSyscallFollower, Dup2OntoAPipeEndAndCloseInAnyProcess) {
  Script s;
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // 3, 4
  s.call(P, SYS_dup3, {4, 1, 0, 0, 0, 0}, 1);   // stdout is now the write end
  s.call(P, SYS_close, {4, 0, 0, 0, 0, 0}, 0);
  s.enter(P, SYS_clone, {0, 0, 0, 0, 0, 0}).started(P, 200, false).exit(P, SYS_clone, 200);
  s.call(P, SYS_close, {1, 0, 0, 0, 0, 0}, 0);      // the parent lets go of the write end
  s.call(200, SYS_write, {1, 0, 10, 0, 0, 0}, 10);  // the child still writes to it
  s.call(P, SYS_read, {3, 0, 64, 0, 0, 0}, 10);
  s.call(200, SYS_close, {3, 0, 0, 0, 0, 0}, 0);  // closes in the child
  s.call(P, SYS_close, {3, 0, 0, 0, 0, 0}, 0);
  s.ended(200);  // the last write end goes with the child
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::read,
                                             CallKind::release}));
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, CloneFilesSharesTheTable) {
  Script s;
  s.enter(P, SYS_clone, {CLONE_FILES | CLONE_VM, 0, 0, 0, 0, 0}).started(P, 300, false);
  s.exit(P, SYS_clone, 300);
  s.call(300, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // 3, 4 in the shared table
  s.call(P, SYS_write, {4, 0, 5, 0, 0, 0}, 5);    // the parent sees them
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 5);   // and 5 is the lowest free one for both
  s.call(300, SYS_close, {3, 0, 0, 0, 0, 0}, 0).call(300, SYS_close, {4, 0, 0, 0, 0, 0}, 0);
  s.call(P, SYS_write, {4, 0, 5, 0, 0, 0}, -EBADF);  // closed for the parent too
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f),
            (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::release}));
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, ForkCopiesTheTable) {
  Script s;
  s.enter(P, SYS_clone, {0, 0, 0, 0, 0, 0}).started(P, 400, false).exit(P, SYS_clone, 400);
  s.call(400, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // only in the child's table
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 3);   // fd 3 is free in the parent's
  s.call(400, SYS_write, {4, 0, 1, 0, 0, 0}, 1);
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write}));
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, CloexecDescriptorsCloseAtExec) {
  Script s;
  s.call(P, SYS_pipe2, {0, O_CLOEXEC, 0, 0, 0, 0}, 0);  // 3, 4: close-on-exec
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);          // 5, 6: kept
  s.call(P, SYS_fcntl, {6, F_SETFD, FD_CLOEXEC, 0, 0, 0}, 0);
  s.call(P, SYS_execve, {0, 0, 0, 0, 0, 0}, -ENOENT);  // a failed exec closes nothing
  s.call(P, SYS_write, {4, 0, 1, 0, 0, 0}, 1);
  s.call(P, SYS_execve, {0, 0, 0, 0, 0, 0}, 0);
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // 3 and 4 are free again
  s.call(P, SYS_write, {4, 0, 2, 0, 0, 0}, 2);
  const FollowedCalls f = s.finish();
  ASSERT_EQ(kinds(f),
            (std::vector<CallKind>{CallKind::create, CallKind::create, CallKind::write,
                                   CallKind::release, CallKind::create, CallKind::write}));
  EXPECT_EQ(f.calls[0].pipe, f.calls[2].pipe);
  EXPECT_EQ(f.calls[3].pipe, f.calls[0].pipe);  // the first pipe's last descriptors went at exec
  EXPECT_EQ(f.calls[4].pipe, f.calls[5].pipe);
  EXPECT_NE(f.calls[4].pipe, f.calls[0].pipe);
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, FailedCallsChangeNothing) {
  Script s;
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, -EMFILE);
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, -ENOENT);
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);       // still 3, 4
  s.call(P, SYS_dup3, {4, 3, 0, 0, 0, 0}, -EINVAL);  // 3 stays the read end
  s.call(P, SYS_write, {4, 0, 9, 0, 0, 0}, -EAGAIN);
  s.call(P, SYS_read, {3, 0, 9, 0, 0, 0}, -EAGAIN);
  const FollowedCalls f = s.finish();
  ASSERT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::read}));
  EXPECT_EQ(f.calls[1].result, -EAGAIN);  // kept, moving nothing
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, WritesAtEntryReadsAtExit) {
  Script s;
  s.enter(P, SYS_clone,
          {CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0, 0, 0});
  s.started(P, 200, true).exit(P, SYS_clone, 200);
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);
  s.enter(P, SYS_read, {3, 0, 100, 0, 0, 0});      // a reader waits
  s.enter(200, SYS_write, {4, 0, 8, 0, 0, 0}, P);  // a thread writes meanwhile
  s.exit(P, SYS_read, 8, 0);
  s.exit(200, SYS_write, 8, P);
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::read}));
  EXPECT_TRUE(f.warnings.empty());
}

TEST(BenchSyscallFollower, UncertaintyIsCounted) {
  Script s;
  s.call(P, SYS_read, {9, 0, 1, 0, 0, 0}, 1);      // fd 9 is in no table
  s.call(P, SYS_recvmsg, {0, 0, 0, 0, 0, 0}, 10);  // may have received descriptors
  s.call(P, SYS_openat, {0, 0, 0, 0, 0, 0}, 7);    // 3 was the lowest free one
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);     // 3, 4
  s.call(P, SYS_read, {4, 0, 1, 0, 0, 0}, 1);      // a read on the write end succeeded
  s.enter(P, SYS_clone3, {0, 0, 0, 0, 0, 0}).started(P, 500, false).exit(P, SYS_clone3, 500);
  const FollowedCalls f = s.finish();
  EXPECT_EQ(f.warnings.at("a call on a descriptor the table does not hold"), 1u);
  EXPECT_EQ(f.warnings.at("recvmsg/recvmmsg: descriptors passed with SCM_RIGHTS are not followed"),
            1u);
  EXPECT_EQ(f.warnings.at("a new descriptor was not the lowest free one in the table"), 1u);
  EXPECT_EQ(f.warnings.at("a read on a pipe's write end or a write on its read end"), 1u);
  EXPECT_EQ(f.warnings.count(
                "clone3: flags not visible; a new thread taken to share its table, a process to "
                "copy it"),
            1u);
}

TEST(BenchSyscallFollower, PageAllocationsAttributedToPipeWrites) {
  Script s;
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // 3, 4
  s.enter(P, SYS_write, {4, 0, 8192, 0, 0, 0}).page_alloc(P).page_alloc(P);
  s.exit(P, SYS_write, 8192);
  s.enter(P, SYS_write, {1, 0, 10, 0, 0, 0}).page_alloc(P).exit(P, SYS_write, 10);  // not a pipe
  s.page_alloc(P);                                                                  // in no call
  const FollowedCalls f = s.finish();
  EXPECT_EQ(f.allocs_in_pipe_writes, 2u);
  EXPECT_EQ(f.allocs_elsewhere, 2u);
}

TEST(BenchSyscallFollower, AWriteThatSleptResumesWhereItsTaskRanAgain) {
  Script s;
  s.call(P, SYS_pipe2, {0, 0, 0, 0, 0, 0}, 0);  // 3, 4
  s.slept(P);                                   // in no call: nothing
  s.enter(P, SYS_write, {4, 0, 131072, 0, 0, 0}).slept(P).preempted(P).slept(P);
  s.exit(P, SYS_write, 131072);
  s.enter(P, SYS_read, {3, 0, 100, 0, 0, 0}).slept(P).exit(P, SYS_read, 100);      // a read
  s.enter(P, SYS_write, {1, 0, 10, 0, 0, 0}).slept(P).exit(P, SYS_write, 10);      // not a pipe
  s.enter(P, SYS_write, {4, 0, 10, 0, 0, 0}).preempted(P).exit(P, SYS_write, 10);  // no sleep
  const FollowedCalls f = s.finish();
  EXPECT_EQ(kinds(f), (std::vector<CallKind>{CallKind::create, CallKind::write, CallKind::resume,
                                             CallKind::resume, CallKind::resume, CallKind::read,
                                             CallKind::write}));
  EXPECT_EQ(f.calls[2].pipe, f.calls[1].pipe);
  EXPECT_TRUE(f.warnings.empty());
}

}  // namespace
