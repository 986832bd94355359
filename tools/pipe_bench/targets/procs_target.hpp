// Kernel pipes with writers and readers as forked processes (as in a shell pipeline), not threads.
//
// The parent opens the pipe, maps a MAP_SHARED block (start flag, stop flag, one tally per process)
// and forks the readers, then the writers. Each child closes the end it does not use, reports
// ready, waits for the start flag, runs the same loop as a thread would (io_loops.hpp), leaves its
// tally in the shared block and _exit()s. The children die with the parent (PR_SET_PDEATHSIG) and
// take the default action on SIGINT / SIGTERM.
#pragma once

#include <memory>
#include <string_view>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_procs_target(const TargetConfig& config);

// A target whose writers and readers are forked processes over the pipe open() makes (see
// run_processes()).
class ProcessesTarget : public Target {
 public:
  [[nodiscard]] RunAttempt run(const WorkloadConfig& config) override;
};

// The process runner itself, for any pipe whose ends a forked child inherits: `endpoints` is open
// in the caller, which keeps neither end once the children are forked. `target` names the target
// in errors. The result's pipe_stats are endpoints.stats() once every child is reaped.
[[nodiscard]] WorkloadResult run_processes(std::string_view target, Endpoints& endpoints,
                                           const WorkloadConfig& config);

}  // namespace pipe_bench
