// The tracepoint recorder of `--record`: runs the command once, with the kernel's pipe-page
// counters (kernel_pages/) and its raw_syscalls:sys_enter / sys_exit tracepoints open on it at the
// same time, so the recorded calls are exactly the ones whose pages the kernel counted.
//
// The command's process is started stopped (it raises SIGSTOP before exec); its descriptor table
// is read from /proc/PID/fd and fdinfo; then, per CPU, both tracepoints are opened on it with
// perf_event_open (inherit: its threads and children follow; PERF_SAMPLE_TID | TIME | RAW, times
// on CLOCK_MONOTONIC; a kernel-side filter keeps the syscalls syscall_follower.hpp follows) into
// one mmap ring buffer per CPU, which also gets the task records (fork, exit) and samples of
// kmem:mm_page_alloc under the pipe-page filter (each pipe page the kernel allocates, by which
// task: the summary says how many were allocated inside recorded writes to pipes and how many
// elsewhere); then it is continued. A thread drains the buffers while it runs. At the end the
// events of all CPUs are merged by time and followed into pipe calls. Events the kernel dropped (a
// full buffer, or throttling) fail the recording: a recording with a gap is never written.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "pipe_bench/replay/recorder.hpp"

namespace pipe_bench::replay {

// Empty when the tracepoint recorder can run here (tracefs, the events' formats, and
// perf_event_open allowed), else why not, one line.
[[nodiscard]] std::string tracepoints_unavailable(const std::string& tracefs_root);

[[nodiscard]] RecordOutcome record_with_tracepoints(const std::vector<std::string>& command,
                                                    const std::string& tracefs_root,
                                                    std::FILE* err);

}  // namespace pipe_bench::replay
