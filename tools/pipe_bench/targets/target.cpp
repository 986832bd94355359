#include "pipe_bench/targets/target.hpp"

#include "pipe_bench/workload.hpp"

namespace pipe_bench {

RunAttempt Target::run(const WorkloadConfig& config) {
  OpenResult opened = open();
  if (!opened.endpoints) return {std::nullopt, std::move(opened.error), opened.exit_code};
  return {run_workload(*opened.endpoints, config), {}, 0};
}

}  // namespace pipe_bench
