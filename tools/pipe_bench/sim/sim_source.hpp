// The simulation as a source of results: run k of a target at a configuration is one simulated
// run with seed + k - 1, so that --runs N and --runs auto run over seeds.
#pragma once

#include <cstdint>

#include "pipe_bench/options.hpp"
#include "pipe_bench/sim/simulation.hpp"
#include "pipe_bench/source.hpp"

namespace pipe_bench::sim {

class SimSource final : public Source {
 public:
  // `base` holds everything but the policy, the thread counts, the message size and the seed's
  // offset, which each run takes from its configuration, target and round.
  SimSource(const Options& options, const SimConfig& base) : options_(options), base_(base) {}

  // Fails with exit code 1 when the simulation fails.
  [[nodiscard]] std::optional<TargetResult> run(const Configuration& config,
                                                const std::string& target, unsigned round,
                                                std::FILE* err, int& exit_code) override;
  [[nodiscard]] double seconds_per_run() const override;

  // Over the runs so far: wall time the simulations took, steps simulated, runs.
  [[nodiscard]] double wall_s() const noexcept { return wall_s_; }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
  [[nodiscard]] unsigned runs() const noexcept { return runs_; }

 private:
  const Options& options_;
  SimConfig base_;
  double wall_s_ = 0;
  std::uint64_t steps_ = 0;
  unsigned runs_ = 0;
};

}  // namespace pipe_bench::sim
