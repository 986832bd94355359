// The records the tracepoint recorder reads from its perf ring buffers, decoded: the kernel's
// raw_syscalls:sys_enter (syscall number and its six arguments) and sys_exit (number and return
// value) samples, and the task records (PERF_RECORD_FORK and PERF_RECORD_EXIT) that say which
// task started which and when a task ended. Samples carry PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
// PERF_SAMPLE_RAW; where each field lies in the raw data comes from the events' format files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace pipe_bench::replay {

// `sleep`: the task gave up its CPU (PERF_RECORD_SWITCH, switched out and not preempted);
// `switch_in`: it got a CPU: a task that slept in a call runs again there.
enum class TraceEventKind { enter, exit, fork, task_exit, page_alloc, sleep, switch_in };

struct TraceEvent {
  std::uint64_t time = 0;  // ns, CLOCK_MONOTONIC
  std::int32_t pid = 0;    // the task's process (thread group)
  std::int32_t tid = 0;
  TraceEventKind kind = TraceEventKind::enter;
  std::int64_t nr = -1;                 // enter, exit: the syscall number
  std::array<std::uint64_t, 6> args{};  // enter: its arguments
  std::int64_t ret = 0;                 // exit: its return value (-errno when it failed)
  std::int32_t parent_pid = 0;          // fork: the task that started `tid`
  std::int32_t parent_tid = 0;
  bool operator==(const TraceEvent&) const = default;
};

// Where the recorder's fields lie in the two events' raw data, and their event ids.
// `page_alloc_id`: kmem:mm_page_alloc's id when its samples (pipe pages only, by its filter) go
// to the same buffers; a sample of it is a `page_alloc` event of the task that allocated.
struct SyscallLayout {
  std::uint64_t enter_id = 0;
  std::uint64_t exit_id = 0;
  std::optional<std::uint64_t> page_alloc_id;
  kernel_pages::FieldLayout type;  // common_type: which event a sample is
  kernel_pages::FieldLayout enter_nr;
  kernel_pages::FieldLayout enter_args;
  kernel_pages::FieldLayout exit_nr;
  kernel_pages::FieldLayout exit_ret;
};

// From the parsed format files of raw_syscalls:sys_enter and sys_exit; an error line (a missing
// id or field, or a field of a size the decoder does not read) or empty.
[[nodiscard]] std::string syscall_layout(const kernel_pages::TracepointFormat& enter,
                                         const kernel_pages::TracepointFormat& exit,
                                         SyscallLayout& out);

struct DecodedRecord {
  std::optional<TraceEvent> event;  // a sample of either event, a fork or a task exit
  std::uint64_t lost = 0;           // PERF_RECORD_LOST / LOST_SAMPLES: events dropped
  bool throttled = false;           // PERF_RECORD_THROTTLE: the kernel stopped sampling a while
  bool malformed = false;           // a record shorter than its type needs, or a foreign event
};

// One ring-buffer record, from its perf_event_header to its end (header.size bytes). Records of
// other types decode to nothing.
[[nodiscard]] DecodedRecord decode_record(std::span<const std::byte> record,
                                          const SyscallLayout& layout);

}  // namespace pipe_bench::replay
