// The run loop: every configuration of the plan, every target, --runs N rounds in -t order or
// --runs auto rounds alternately in -t order and reversed until the comparisons resolve; the runs
// come from a Source, and what the loop produces is the session's results. Observers see each
// run and each finished configuration as the loop goes (the text report prints them); they read
// results and never run anything.
#pragma once

#include <cstdio>
#include <vector>

#include "pipe_bench/options.hpp"
#include "pipe_bench/session.hpp"
#include "pipe_bench/source.hpp"

namespace pipe_bench {

// Everything a session produced: the runs by configuration and target, and the comparisons with
// the baselines (with their resolution under --runs auto).
struct SessionResults {
  std::vector<ConfigResults> results;
  std::vector<Comparison> comparisons;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void config_started(const Configuration& /*config*/) {}
  virtual void run_finished(const TargetResult& /*result*/) {}
  // After the configuration's last round; `comparisons` are all the session's so far.
  virtual void config_finished(const ConfigResults& /*results*/,
                               const std::vector<Comparison>& /*comparisons*/) {}
};

// Runs `plan` from `source` into `session`, with the progress line on `err`. Returns 0, or the
// exit code of a failed run (its line already on `err`). An interrupt ends the loop early with
// interrupted() set and returns 0; the configuration it cut short is not in `session`.
[[nodiscard]] int run_plan(const Options& options, const std::vector<Configuration>& plan,
                           Source& source, RunObserver& observer, SessionResults& session,
                           std::FILE* err);

}  // namespace pipe_bench
