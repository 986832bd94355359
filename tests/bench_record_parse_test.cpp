// strace output of a small shell pipeline becomes pipe calls in replay order: split calls are
// joined, writes placed where they began and reads where they ended, descriptors inherited by
// fork and moved by dup2 keep the pipe open until the last one closes, failed calls keep -errno.
#include <gtest/gtest.h>

#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "pipe_bench/replay/strace_parse.hpp"

namespace {

using pipe_bench::replay::CallKind;
using pipe_bench::replay::parse_strace;
using pipe_bench::replay::PipeCall;

PipeCall call(std::uint64_t pipe, CallKind kind, std::uint64_t requested, std::int64_t result) {
  PipeCall c;
  c.pipe = pipe;
  c.kind = kind;
  c.requested = requested;
  c.result = result;
  return c;
}

// `sh -c 'producer | consumer'` as `strace -f -y -ttt -s 0` prints it: the first child shows up
// while the shell's clone is unfinished.
constexpr const char* kPipeline =
    "100 1700000000.000001 pipe2([3<pipe:[500]>, 4<pipe:[500]>], 0) = 0\n"
    "100 1700000000.000002 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD "
    "<unfinished ...>\n"
    "101 1700000000.000003 close(3<pipe:[500]>) = 0\n"
    "101 1700000000.000004 dup2(4<pipe:[500]>, 1</dev/pts/0<char 136:0>>) = 1<pipe:[500]>\n"
    "101 1700000000.000005 close(4<pipe:[500]>) = 0\n"
    "100 1700000000.000006 <... clone resumed>, child_tidptr=0x7f00) = 101\n"
    "100 1700000000.000007 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f00) = 102\n"
    "100 1700000000.000008 close(4<pipe:[500]>) = 0\n"
    "100 1700000000.000009 close(3<pipe:[500]>) = 0\n"
    "100 1700000000.000009 close(-1)       = -1 EBADF (Bad file descriptor)\n"
    "102 1700000000.000010 read(3<pipe:[500]>,  <unfinished ...>\n"
    "101 1700000000.000011 write(1<pipe:[500]>, \"\"..., 8192) = 8192\n"
    "102 1700000000.000012 <... read resumed>\"\"..., 4096) = 4096\n"
    "101 1700000000.000013 write(1<pipe:[500]>, \"\"..., 100 <unfinished ...>\n"
    "102 1700000000.000014 read(3<pipe:[500]>, \"\"..., 4096) = 4096\n"
    "101 1700000000.000015 <... write resumed>) = 100\n"
    "102 1700000000.000016 read(3<pipe:[500]>, \"\"..., 4096) = 100\n"
    "101 1700000000.000017 write(2</dev/pts/0<char 136:0>>, \"x\", 1) = 1\n"
    "101 1700000000.000018 exit_group(0)   = ?\n"
    "101 1700000000.000019 +++ exited with 0 +++\n"
    "102 1700000000.000020 read(3<pipe:[500]>, \"\"..., 4096) = 0\n"
    "102 1700000000.000021 write(1<pipe:[600]>, \"\"..., 10) = -1 EPIPE (Broken pipe)\n"
    "102 1700000000.000022 --- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=102} ---\n"
    "102 1700000000.000023 +++ killed by SIGPIPE +++\n";

TEST(BenchRecordParse, ShellPipelineInReplayOrder) {
  std::istringstream in(kPipeline);
  const auto parsed = parse_strace(in);
  EXPECT_EQ(parsed.unparsed, 0u);
  const std::vector<PipeCall> want = {
      call(500, CallKind::create, 0, 0),
      call(500, CallKind::write, 8192, 8192),  // line 11
      call(500, CallKind::read, 4096, 4096),   // ended on line 12
      call(500, CallKind::write, 100, 100),    // began on line 13
      call(500, CallKind::read, 4096, 4096),
      call(500, CallKind::read, 4096, 100),
      call(500, CallKind::read, 4096, 0),
      call(600, CallKind::write, 10, -EPIPE),  // failed: kept, moves nothing
      call(500, CallKind::release, 0, 0),      // the consumer, last holder, was killed
  };
  EXPECT_EQ(parsed.calls, want);
}

// The parent still holds the pipe after its child closed the inherited descriptors; dup2 over
// the parent's last descriptor releases it.
TEST(BenchRecordParse, InheritedDescriptorsKeepThePipeOpen) {
  std::istringstream in(
      "[pid 7] 1.000001 pipe([5<pipe:[42]>, 6<pipe:[42]>]) = 0\n"
      "[pid 7] 1.000002 vfork() = 8\n"
      "[pid 8] 1.000003 close(5<pipe:[42]>) = 0\n"
      "[pid 8] 1.000004 close(6<pipe:[42]>) = 0\n"
      "[pid 8] 1.000005 +++ exited with 0 +++\n"
      "[pid 7] 1.000006 fcntl(6<pipe:[42]>, F_SETPIPE_SZ, 1048576) = 1048576\n"
      "[pid 7] 1.000007 writev(6<pipe:[42]>, [{iov_base=\"\"..., iov_len=10}, "
      "{iov_base=\"\"..., iov_len=20}], 2) = 30\n"
      "[pid 7] 1.000008 readv(5<pipe:[42]>, [{iov_base=\"\"..., iov_len=64}], 1) = 30\n"
      "[pid 7] 1.000009 close(6<pipe:[42]>) = 0\n"
      "[pid 7] 1.000010 dup2(0</dev/null>, 5<pipe:[42]>) = 5</dev/null>\n"
      "[pid 7] 1.000011 read(5</dev/null>, \"\", 10) = 0\n");
  const auto parsed = parse_strace(in);
  EXPECT_EQ(parsed.unparsed, 0u);
  const std::vector<PipeCall> want = {
      call(42, CallKind::create, 0, 0),  call(42, CallKind::set_size, 1048576, 1048576),
      call(42, CallKind::write, 30, 30), call(42, CallKind::read, 64, 30),
      call(42, CallKind::release, 0, 0),
  };
  EXPECT_EQ(parsed.calls, want);
}

// Threads share one table (CLONE_FILES): a thread's exit closes nothing.
TEST(BenchRecordParse, ThreadsShareTheirDescriptors) {
  std::istringstream in(
      "9 2.1 pipe2([3<pipe:[77]>, 4<pipe:[77]>], O_CLOEXEC) = 0\n"
      "9 2.2 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_THREAD, exit_signal=0}, 88) = 10\n"
      "10 2.3 write(4<pipe:[77]>, \"\"..., 5) = 5\n"
      "10 2.4 +++ exited with 0 +++\n"
      "9 2.5 read(3<pipe:[77]>, \"\"..., 5) = -1 EAGAIN (Resource temporarily unavailable)\n"
      "9 2.6 read(3<pipe:[77]>, \"\"..., 5) = 5\n"
      "9 2.7 close(3<pipe:[77]>) = 0\n"
      "9 2.8 close(4<pipe:[77]>) = 0\n");
  const auto parsed = parse_strace(in);
  const std::vector<PipeCall> want = {
      call(77, CallKind::create, 0, 0),     call(77, CallKind::write, 5, 5),
      call(77, CallKind::read, 5, -EAGAIN), call(77, CallKind::read, 5, 5),
      call(77, CallKind::release, 0, 0),
  };
  EXPECT_EQ(parsed.calls, want);
}

}  // namespace
