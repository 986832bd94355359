// What every perf_event_open user in pipe_bench shares: finding tracefs (mounting it when root
// finds it absent at the default place), reading a tracepoint's format file, opening an event,
// and saying in one line why an open failed.
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <string>
#include <string_view>

#include "pipe_bench/kernel_pages/tracefs_format.hpp"

namespace pipe_bench::kernel_pages {

// Empty when `root`/events exists (mounted now if it is the default root and we may), else why.
[[nodiscard]] std::string ensure_events_dir(const std::string& root);

// Reads and parses `root`/events/`system`/`event`/format into `out`; an error line, or empty.
// A format without an ID line is an error.
[[nodiscard]] std::string read_tracepoint_format(const std::string& root, std::string_view system,
                                                 std::string_view event, TracepointFormat& out);

// perf_event_open(2) for task `pid` (0: this thread) on `cpu` (-1: any); -1 with errno set.
[[nodiscard]] int open_perf_event(perf_event_attr& attr, pid_t pid, int cpu, int group_fd = -1);

// "perf_event_open(<what>): <strerror>" with the paranoid level and what it needs when denied.
[[nodiscard]] std::string perf_open_error(std::string_view what, int error);

}  // namespace pipe_bench::kernel_pages
