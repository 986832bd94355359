// The text report of a session on `out`: each run's row as the run loop delivers it, each
// configuration's tables when it is done, and the closing block (sweep table, --runs auto
// resolution, --summary). It reads results only; the same report serves measured, simulated and
// replayed runs.
#pragma once

#include <cstdio>
#include <string>

#include "pipe_bench/context.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/run_loop.hpp"

namespace pipe_bench {

class TextReporter final : public RunObserver {
 public:
  // `source` names results that were not measured ("simulated", "replayed"): every configuration
  // then gets its header line, which says so. Empty for measured runs.
  TextReporter(const Options& options, std::size_t configs, std::FILE* out,
               std::string source = {});

  void config_started(const Configuration& config) override;
  void run_finished(const TargetResult& result) override;
  void config_finished(const ConfigResults& results,
                       const std::vector<Comparison>& comparisons) override;

 private:
  const Options& options_;
  std::size_t configs_;
  std::FILE* out_;
  std::string source_;
};

// The closing text: the sweep table (several configurations), the --runs auto resolution, and
// the summary with --summary.
[[nodiscard]] std::string format_closing(const Options& options, const SessionResults& session,
                                         const RunContext& context);

}  // namespace pipe_bench
