// The replay's own text: a table of page counts from a session's results (replay_source.hpp),
// one row per target, the kernel's recorded count first, then the replay on kernel pipes when
// asked for, then each policy's counts, and legacy's difference from the kernel; and the
// --summary lines in pages. JSON and CSV are pipe_bench's own reporters (report_files.hpp).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/result.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench::replay {

// The recording the rows replay, and the policies' pool sizes.
struct ReplayHeader {
  std::string file;
  std::string recorder;
  std::string command;
  pipepool::PoolSizes pool_sizes{};
};

void print_replay_table(const ReplayHeader& header, const std::vector<TargetResult>& rows,
                        std::FILE* out);

// One line per policy: "legacy vs kernel: -54.5% pages allocated (15 vs 33), ... REPLAYED from
// FILE (recorder strace)"; a line saying why when the kernel's count is unavailable.
[[nodiscard]] std::string format_replay_summary(const ReplayHeader& header,
                                                const std::vector<TargetResult>& rows);

}  // namespace pipe_bench::replay
