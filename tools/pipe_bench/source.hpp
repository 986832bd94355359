// A source of results: what the run loop (run_loop.hpp) asks for one run of one target at one
// configuration. Measured runs (measured_source.hpp), the simulation (sim/sim_source.hpp) and
// replays (replay/replay_source.hpp) are sources; the loop and every reporter serve them alike.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

class Source {
 public:
  virtual ~Source() = default;

  // Run `round` (1-based) of `target` at `config`. On failure nullopt, with `exit_code` set (2:
  // the target refused the configuration, 1: the run failed) and one line printed to `err`. A
  // run cut short by an interrupt is returned with run.cancelled set.
  [[nodiscard]] virtual std::optional<TargetResult> run(const Configuration& config,
                                                        const std::string& target, unsigned round,
                                                        std::FILE* err, int& exit_code) = 0;

  // About how many seconds of wall time one run takes (for the progress line).
  [[nodiscard]] virtual double seconds_per_run() const = 0;
};

}  // namespace pipe_bench
