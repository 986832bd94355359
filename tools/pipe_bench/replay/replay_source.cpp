#include "pipe_bench/replay/replay_source.hpp"

#include <fmt/format.h>

#include "pipe_bench/replay/kernel_replay.hpp"
#include "pipe_bench/replay/replayer.hpp"

namespace pipe_bench::replay {
namespace {

KernelPageTraffic kernel_traffic(const KernelCount& count) {
  return {count.allocs, count.frees, count.unavailable};
}

}  // namespace

std::optional<TargetResult> ReplaySource::run(const Configuration& /*config*/,
                                              const std::string& target, unsigned /*round*/,
                                              std::FILE* err, int& exit_code) {
  TargetResult r;
  r.target = target;
  r.config.allocator = "kernel";
  r.replayed =
      ReplayedRun{file_, recording_.recorder, recording_.command, recording_.calls.size(), 0, 0, 0};
  if (target == "kernel") {
    r.run.kernel_pages = kernel_traffic(recording_.kernel);
    return r;
  }
  if (target == "kernel-replay") {
    const KernelReplay kr = replay_on_kernel(recording_, tracefs_);
    r.run.kernel_pages = kernel_traffic(kr.count);
    r.run.bytes_written = kr.bytes_written;
    return r;
  }
  const ReplayOutcome outcome = replay(recording_, *pipepool::parse_policy_kind(target), sizes_);
  if (!outcome.error.empty()) {
    std::fputs(fmt::format("pipe_bench: --replay: {}\n", outcome.error).c_str(), err);
    exit_code = 1;
    return std::nullopt;
  }
  const ReplayCounts& c = outcome.counts;
  r.config.allocator = "heap";
  r.run.bytes_written = c.bytes_written;
  r.run.bytes_read = c.bytes_read;
  pipepool::PipeStats stats{};
  stats.pool = c.pool;
  r.run.pipe_stats = stats;
  r.replayed->frees_at_release = c.frees_at_release;
  r.replayed->pipes = c.pipes;
  r.replayed->short_calls = c.short_calls;
  return r;
}

}  // namespace pipe_bench::replay
