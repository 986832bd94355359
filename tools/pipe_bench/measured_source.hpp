// Measured runs as a source of results: each run is the target's workload on a fresh pipe
// (runner.hpp's run_target), with stress-ng's RSS and the reclaim counters' growth around it
// while --memory-pressure is on.
#pragma once

#include "pipe_bench/options.hpp"
#include "pipe_bench/pressure_control.hpp"
#include "pipe_bench/source.hpp"

namespace pipe_bench {

class MeasuredSource final : public Source {
 public:
  // `pressure` is inactive without --memory-pressure; it must outlive the source.
  MeasuredSource(const Options& options, PressureControl& pressure)
      : options_(options), pressure_(pressure) {}

  // Fails with exit code 1 when the memory pressure stopped being healthy during the run.
  [[nodiscard]] std::optional<TargetResult> run(const Configuration& config,
                                                const std::string& target, unsigned round,
                                                std::FILE* err, int& exit_code) override;
  [[nodiscard]] double seconds_per_run() const override;

 private:
  const Options& options_;
  PressureControl& pressure_;
};

}  // namespace pipe_bench
