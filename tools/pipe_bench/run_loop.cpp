#include "pipe_bench/run_loop.hpp"

#include <chrono>
#include <cmath>

#include "pipe_bench/progress.hpp"
#include "pipe_bench/resolve_report.hpp"
#include "pipe_bench/signals.hpp"

namespace pipe_bench {
namespace {

// What the loop carries from configuration to configuration.
struct Loop {
  const Options& options;
  std::size_t configs;
  Source& source;
  RunObserver& observer;
  Progress& progress;
  std::FILE* err;
  std::size_t done = 0;  // runs finished, over all configurations
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One round at `current`'s configuration: a run of every target, in -t order or reversed, each
// run appended to its series as run `round` (runs are paired by round). `show` draws the progress
// line before each run. Returns 0, or the exit code of a failed run; an interrupt ends the round
// early without the cancelled run (interrupted() set).
template <typename ShowProgress>
int run_round(Loop& loop, ConfigResults& current, unsigned round, bool reversed,
              const ShowProgress& show) {
  const std::size_t n = current.series.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (interrupted()) return 0;
    Series& series = current.series[reversed ? n - 1 - i : i];
    show(series.target);
    int exit_code = 0;
    auto result = loop.source.run(current.config, series.target, round, loop.err, exit_code);
    loop.progress.clear();
    if (!result) return exit_code;
    if (result->run.cancelled) return 0;
    result->run_index = round;
    loop.observer.run_finished(*result);
    series.runs.push_back(std::move(*result));
    ++loop.done;
  }
  return 0;
}

// --runs N: N rounds, every one in -t order (A B C A B C).
int run_fixed(Loop& loop, ConfigResults& current) {
  const unsigned runs = loop.options.runs;
  for (unsigned run = 1; run <= runs && !interrupted(); ++run) {
    const int code = run_round(loop, current, run, false, [&](const std::string& target) {
      loop.progress.update(current.config.index + 1, loop.configs, target, run, runs, loop.done);
    });
    if (code != 0) return code;
  }
  return 0;
}

struct AutoOutcome {
  RoundDecision decision;  // after the last round
  unsigned rounds = 0;
};

// --runs auto: rounds, alternately in -t order and reversed (A B C, C B A, ...) so that no target
// always runs right after the same one, until decide() (resolve.hpp) stops within `budget_s`.
// Returns 0, or the exit code of a failed run; an interrupt returns 0 with interrupted() set.
int run_auto(Loop& loop, ConfigResults& current, double budget_s, AutoOutcome& outcome) {
  const Options& o = loop.options;
  const StopRule rule{o.ci_target_pct / 100, kAutoMinRounds, kAutoMaxRounds};
  const auto start = std::chrono::steady_clock::now();
  double worst = INFINITY;
  for (unsigned round = 1;; ++round) {
    const int code =
        run_round(loop, current, round, round % 2 == 0, [&](const std::string& target) {
          loop.progress.update_round(current.config.index + 1, loop.configs, target, round, worst,
                                     rule.ci_target, budget_s - seconds_since(start));
        });
    if (code != 0 || interrupted()) return code;
    outcome.decision = decide(writes_per_s_samples(current, o.baselines), round,
                              seconds_since(start), budget_s, rule);
    outcome.rounds = round;
    worst = outcome.decision.worst_half_width;
    if (outcome.decision.stop) return 0;
  }
}

}  // namespace

int run_plan(const Options& options, const std::vector<Configuration>& plan, Source& source,
             RunObserver& observer, SessionResults& session, std::FILE* err) {
  Progress progress(err, plan.size() * options.targets.size() * options.runs,
                    source.seconds_per_run());
  Loop loop{options, plan.size(), source, observer, progress, err};
  double spent_s = 0;  // --runs auto: time the configurations before this one took
  for (const auto& config : plan) {
    observer.config_started(config);
    ConfigResults current{config, {}};
    for (const auto& name : options.targets) current.series.push_back({name, {}});
    const auto start = std::chrono::steady_clock::now();
    AutoOutcome outcome;
    const int code = options.runs_auto
                         ? run_auto(loop, current,
                                    configuration_budget_s(options.max_time_s, plan.size(),
                                                           config.index, spent_s),
                                    outcome)
                         : run_fixed(loop, current);
    spent_s += seconds_since(start);
    if (code != 0) return code;
    if (interrupted()) return 0;
    session.results.push_back(std::move(current));
    for (const auto& baseline : options.baselines) {
      for (auto& c : compare_with_baseline({session.results.back()}, baseline)) {
        session.comparisons.push_back(std::move(c));
      }
    }
    if (options.runs_auto) {
      attach_resolution(session.comparisons, config.index, outcome.decision, outcome.rounds,
                        options.ci_target_pct / 100);
    }
    observer.config_finished(session.results.back(), session.comparisons);
  }
  return 0;
}

}  // namespace pipe_bench
