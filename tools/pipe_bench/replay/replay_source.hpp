// A recording as a source of results: target "kernel" is the kernel's count taken while the
// command was recorded, "kernel-replay" the recorded calls replayed on kernel pipes under the
// kernel page counters, and a policy's name the calls replayed on pipepool pipes of that policy
// (replayer.hpp). Each result says it is replayed, from which recording and recorder.
#pragma once

#include <string>

#include "pipe_bench/replay/recording.hpp"
#include "pipe_bench/source.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench::replay {

class ReplaySource final : public Source {
 public:
  ReplaySource(std::string file, const Recording& recording, const pipepool::PoolSizes& sizes,
               std::string tracefs)
      : file_(std::move(file)),
        recording_(recording),
        sizes_(sizes),
        tracefs_(std::move(tracefs)) {}

  // Fails with exit code 1 when a policy's replay cannot run.
  [[nodiscard]] std::optional<TargetResult> run(const Configuration& config,
                                                const std::string& target, unsigned round,
                                                std::FILE* err, int& exit_code) override;
  [[nodiscard]] double seconds_per_run() const override { return 0; }

 private:
  std::string file_;
  const Recording& recording_;
  pipepool::PoolSizes sizes_;
  std::string tracefs_;
};

}  // namespace pipe_bench::replay
