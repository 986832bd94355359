#include "pipe_bench/sim/sim_source.hpp"

#include <fmt/format.h>

#include "pipe_bench/signals.hpp"
#include "pipe_bench/sim/sim_report.hpp"

namespace pipe_bench::sim {

std::optional<TargetResult> SimSource::run(const Configuration& config, const std::string& target,
                                           unsigned round, std::FILE* err, int& exit_code) {
  SimConfig c = base_;
  c.policy = *pipepool::parse_policy_kind(target);
  c.writers = config.writers;
  c.readers = config.readers;
  c.msg_size = message_size(options_, config);
  c.seed = base_.seed + round - 1;
  const SimOutcome outcome = simulate(c);
  if (!outcome.ok) {
    if (interrupted()) {  // the child died of the terminal's Ctrl-C
      TargetResult cancelled = to_target_result(c, outcome);
      cancelled.run.cancelled = true;
      return cancelled;
    }
    std::fputs(
        fmt::format("pipe_bench: simulation of {} failed: {}\n", target, outcome.error).c_str(),
        err);
    exit_code = 1;
    return std::nullopt;
  }
  wall_s_ += outcome.wall_s;
  steps_ += outcome.steps;
  ++runs_;
  return to_target_result(c, outcome);
}

double SimSource::seconds_per_run() const {
  return runs_ > 0 ? wall_s_ / runs_ : 1.0;
}

}  // namespace pipe_bench::sim
