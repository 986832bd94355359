// The replay's results: one row per target, the kernel's recorded count first, then the replay
// on kernel pipes when asked for, then each policy's replayed counts; as a table, JSON and CSV.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/replay/kernel_replay.hpp"
#include "pipe_bench/replay/recording.hpp"
#include "pipe_bench/replay/replayer.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench::replay {

struct ReplayRow {
  std::string target;                  // "kernel" or a policy's name
  std::optional<ReplayCounts> counts;  // policies
};

struct ReplayReport {
  std::string file;
  Recording recording;  // header and kernel count (calls not reported)
  std::vector<ReplayRow> rows;
  pipepool::PoolSizes pool_sizes{};  // of the policies' pipes
  // `-t kernel-replay`: the recorded calls replayed on kernel pipes, counted by the kernel.
  std::optional<KernelReplay> kernel_replay;
};

// (allocs - kernel allocs) / kernel allocs in percent; unset without a kernel count.
[[nodiscard]] std::optional<double> vs_kernel_percent(const ReplayReport& report,
                                                      const ReplayCounts& counts);

void print_replay_table(const ReplayReport& report, std::FILE* out);
[[nodiscard]] nlohmann::json replay_json(const ReplayReport& report);
[[nodiscard]] std::string replay_csv(const ReplayReport& report);

}  // namespace pipe_bench::replay
