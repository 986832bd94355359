#include "pipe_bench/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>

#include "pipe_bench/context.hpp"
#include "pipe_bench/csv_report.hpp"
#include "pipe_bench/json_report.hpp"
#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/plot.hpp"
#include "pipe_bench/pressure_control.hpp"
#include "pipe_bench/progress.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/resolve_report.hpp"
#include "pipe_bench/signals.hpp"
#include "pipe_bench/summary.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/verify.hpp"
#include "pipe_bench/workload.hpp"
#include "pipepool/shrinker.hpp"

namespace pipe_bench {
namespace {

constexpr double kMinRampS = 1.0;      // stress-ng's shortest ramp-up (pressure_control.cpp)
constexpr double kRunOverheadS = 0.1;  // pipe set-up, thread start and join, per run

std::size_t message_size(const Options& options, const Configuration& config) {
  const std::size_t size = config.msg_size != 0 ? config.msg_size : options.msg_size;
  return options.verify ? verify_record_size(size) : size;
}

TargetConfig target_config(const Options& options, std::uint64_t alloc_cost_ns) {
  TargetConfig config;
  config.pipe_size = options.pipe_size;
  config.allocator = options.allocator;
  config.model = options.model;
  config.model.alloc_cost_ns = alloc_cost_ns;
  config.packet = options.verify;
  config.copy = options.copy;
  config.pool_sizes = options.pool_sizes;
  return config;
}

RunConfig run_config(const Options& options, const Configuration& config,
                     std::string_view allocator) {
  RunConfig rc;
  rc.writers = config.writers;
  rc.readers = config.readers;
  rc.msg_size = message_size(options, config);
  rc.duration_s = options.duration_s;
  rc.pipe_size = options.pipe_size;
  rc.allocator = std::string(allocator);
  rc.alloc_cost_ns = allocator == "model" ? config.alloc_cost_ns : 0;
  if (allocator == "model") {
    rc.free_cost_ns = options.model.free_cost_ns;
    rc.reclaim_stall_probability = options.model.reclaim_stall_probability;
    rc.reclaim_stall_ns = options.model.reclaim_stall_ns;
    if (options.model_preset) rc.model_preset = options.model_preset->name;
  }
  rc.rate = options.rate;
  rc.verify = options.verify;
  if (options.pressure) rc.pressure = describe(*options.pressure);
  return rc;
}

void print(std::FILE* f, const std::string& text) {
  std::fputs(text.c_str(), f);
  std::fflush(f);
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

std::string join(const auto& values) {
  return fmt::format("{}", fmt::join(values, ","));
}

// The header's configuration line: one configuration as before; a sweep names its lists.
RunConfig header_config(const Options& options) {
  Configuration first{0, options.writers.front(), options.readers.front(),
                      options.alloc_costs.front()};
  RunConfig rc = run_config(options, first, pipepool::to_string(options.allocator));
  if (options.alloc_costs.size() > 1) {
    rc.allocator = fmt::format(
        "model ({})", model_cost_text(rc.model_preset, join(options.alloc_costs), rc.free_cost_ns,
                                      rc.reclaim_stall_probability, rc.reclaim_stall_ns));
  }
  if (options.writers.size() > 1 || options.readers.size() > 1) rc.writers = rc.readers = 0;
  if (options.msg_sizes.size() > 1) rc.msg_size = 0;  // the header names the list
  return rc;
}

// The plan's size dimension, when -s gave a list.
std::string sizes_text(const Options& options) {
  if (options.msg_sizes.size() < 2) return {};
  std::vector<std::string> sizes;
  for (const auto s : options.msg_sizes) sizes.push_back(format_size(s));
  return fmt::format(" x msg size {}", join(sizes));
}

// "writers 1,2 x readers 5 x alloc cost 0,250 ns ...": the plan's dimensions.
std::string plan_dimensions(const Options& options) {
  return fmt::format("writers {} x readers {}{}{}", join(options.writers), join(options.readers),
                     options.alloc_costs.size() > 1
                         ? fmt::format(" x alloc cost {} ns", join(options.alloc_costs))
                         : std::string(),
                     sizes_text(options));
}

std::string format_plan(const Options& options, std::size_t configs, double pressure_s) {
  if (options.runs_auto) {
    return fmt::format(
        "plan: {} = {} configuration{}, {} target{}, rounds of one {:g} s "
        "run each (A B C, C B A, ...) until every writes/s comparison's 95% CI is within "
        "+-{:g}% ({} to {} rounds per configuration): at most about {}\n",
        plan_dimensions(options), configs, configs == 1 ? "" : "s", options.targets.size(),
        options.targets.size() == 1 ? "" : "s", options.duration_s, options.ci_target_pct,
        kAutoMinRounds, kAutoMaxRounds, format_duration(options.max_time_s + pressure_s));
  }
  const std::size_t runs = configs * options.targets.size() * options.runs;
  const double total =
      static_cast<double>(runs) * (options.duration_s + kRunOverheadS) + pressure_s;
  return fmt::format(
      "plan: {} = {} configuration{}, {} target{} x {} run{} of {:g} s "
      "(interleaved): about {}\n",
      plan_dimensions(options), configs, configs == 1 ? "" : "s", options.targets.size(),
      options.targets.size() == 1 ? "" : "s", options.runs, options.runs == 1 ? "" : "s",
      options.duration_s, format_duration(total));
}

// The tables printed after a configuration's last run.
void print_config_tables(const Options& options, const ConfigResults& results,
                         const std::vector<Comparison>& comparisons, std::FILE* out) {
  std::vector<TargetResult> pooled_runs;
  for (const auto& s : results.series) pooled_runs.push_back(pooled(s));
  if (options.runs > 1) {
    print(out, format_medians(results));
    print(out, format_pool_table(pooled_runs));
    print(out, format_comparisons(comparisons, results.config.index));
  } else {
    print(out, format_pool_table(pooled_runs));
    print(out, format_ratios(pooled_runs, options.baseline));
  }
}

int write_outputs(const Options& options, const RunContext& context,
                  const std::vector<ConfigResults>& results,
                  const std::vector<Comparison>& comparisons, std::FILE* err) {
  if (!options.json_path.empty()) {
    auto doc = session_json(context, results, comparisons, options.baselines);
    const auto runs = runs_options_json(options);
    for (const auto& [key, value] : runs.items()) doc["options"][key] = value;
    if (!write_file(options.json_path, doc.dump(2) + "\n")) {
      print(err, fmt::format("pipe_bench: --json: writing '{}' failed\n", options.json_path));
      return 1;
    }
  }
  if (!options.csv_path.empty() && !write_file(options.csv_path, to_csv(results))) {
    print(err, fmt::format("pipe_bench: --csv: writing '{}' failed\n", options.csv_path));
    return 1;
  }
  if (!options.plot_path.empty()) {
    PlotRequest request;
    request.path = options.plot_path;
    request.results = &results;
    const RunConfig rc = header_config(options);
    request.title = fmt::format(
        "writes/s, median of {} (bars: min-max); {} writes, {} pipe, allocator {}{}{}",
        options.runs_auto ? std::string("the runs (--runs auto)")
                          : fmt::format("{} run{}", options.runs, options.runs == 1 ? "" : "s"),
        rc.msg_size == 0 ? std::string("swept-size") : format_size(rc.msg_size),
        format_size(rc.pipe_size),
        options.alloc_costs.size() > 1 ? std::string("model") : rc.allocator,
        options.pressure ? ", memory pressure: " + describe(*options.pressure) : std::string(),
        options.rate > 0 ? fmt::format(", open loop {:g}/s per writer", options.rate)
                         : std::string());
    std::string error;
    if (!draw_plot(options.gnuplot, request, error)) {
      print(err, fmt::format("pipe_bench: {}\n", error));
      return 1;
    }
  }
  return 0;
}

}  // namespace

int preflight(const Options& options, std::FILE* err) {
  for (const auto& name : options.targets) {
    auto target = make_target(name, target_config(options, options.alloc_costs.front()));
    if (!target) {
      print(err, fmt::format("pipe_bench: --target: unknown target '{}'\n", name));
      return 2;
    }
    OpenResult opened = target->open();
    if (!opened.endpoints) {
      print(err, fmt::format("pipe_bench: {}\n", opened.error));
      return opened.exit_code;
    }
  }
  return 0;
}

std::optional<TargetResult> run_target(const Options& options, const Configuration& config,
                                       const std::string& name, std::FILE* err, int& exit_code) {
  auto target = make_target(name, target_config(options, config.alloc_cost_ns));
  if (!target) {
    print(err, fmt::format("pipe_bench: --target: unknown target '{}'\n", name));
    exit_code = 2;
    return std::nullopt;
  }
  WorkloadConfig workload;
  workload.writers = config.writers;
  workload.readers = config.readers;
  workload.msg_size = message_size(options, config);
  workload.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(options.duration_s));
  workload.rate = options.rate;
  workload.verify = options.verify;
  workload.cancel = &interrupt_flag();
  RunAttempt attempt = target->run(workload);
  if (!attempt.result) {
    print(err, fmt::format("pipe_bench: {}\n", attempt.error));
    exit_code = attempt.exit_code;
    return std::nullopt;
  }
  TargetResult result;
  result.target = name;
  result.config = run_config(options, config, target->allocator_label());
  result.run = std::move(*attempt.result);
  // An interrupted run may have failed only because of the interrupt (a terminal's Ctrl-C also
  // kills kernel-procs' children): it is cancelled, not failed.
  if (result.run.cancelled || interrupted()) {
    result.run.cancelled = true;
    return result;
  }
  if (!result.run.ok()) {
    print(err, fmt::format("pipe_bench: {}: {}\n", name, result.run.error));
    exit_code = 1;
    return std::nullopt;
  }
  return result;
}

std::optional<TargetResult> run_target(const Options& options, const std::string& target,
                                       std::FILE* err, int& exit_code) {
  return run_target(options, make_plan(options).front(), target, err, exit_code);
}

// While a shrinker target is selected, pipepool's pressure monitor runs (automatic source), as an
// application using the policy would run it; the source it found goes into the context.
class ShrinkerMonitor {
 public:
  ShrinkerMonitor(const Options& options, RunContext& context) {
    const auto& t = options.targets;
    if (std::find(t.begin(), t.end(), "shrinker") == t.end()) return;
    context.shrinker_pressure_source = pipepool::start_pressure_monitor();
    context.shrinker_memory_events_note = pipepool::pressure_status().events_note;
    started_ = true;
  }
  ~ShrinkerMonitor() {
    if (started_) pipepool::stop_pressure_monitor();
  }
  ShrinkerMonitor(const ShrinkerMonitor&) = delete;
  ShrinkerMonitor& operator=(const ShrinkerMonitor&) = delete;

 private:
  bool started_ = false;
};

namespace {

// What the run loop carries from configuration to configuration.
struct RunLoop {
  const Options& options;
  std::size_t configs;
  Progress& progress;
  PressureControl& pressure;  // inactive without --memory-pressure
  std::FILE* out;
  std::FILE* err;
  std::size_t done = 0;  // runs finished, over all configurations
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One round at `current`'s configuration: a run of every target, in -t order or reversed, each
// row printed as it finishes and the run appended to its series as run `round` (runs are paired
// by round). `show` draws the progress line before each run. Returns 0, or the exit code of a
// failed run; an interrupt ends the round early without the cancelled run (interrupted() set).
template <typename ShowProgress>
int run_round(RunLoop& loop, ConfigResults& current, unsigned round, bool reversed,
              const ShowProgress& show) {
  const std::size_t n = current.series.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (interrupted()) return 0;
    Series& series = current.series[reversed ? n - 1 - i : i];
    show(series.target);
    const auto rss = loop.pressure.stress_rss();
    const auto before =
        loop.pressure.active() ? std::optional(loop.pressure.sample()) : std::nullopt;
    int exit_code = 0;
    auto result = run_target(loop.options, current.config, series.target, loop.err, exit_code);
    loop.progress.clear();
    if (!result) return exit_code;
    if (result->run.cancelled) return 0;
    if (std::string error; !loop.pressure.healthy(error)) {
      print(loop.err, fmt::format("pipe_bench: {}\n", error));
      return 1;
    }
    result->run_index = round;
    result->pressure_rss_bytes = rss;
    if (before) result->reclaim = reclaim_delta(*before, loop.pressure.sample());
    print(loop.out, format_row(*result, loop.options.runs > 1));
    print(loop.out, format_reclaim_row(*result));
    if (result->run.verify) {
      print(loop.out, fmt::format("{:>15}  verify: {}\n", "", result->run.verify->describe()));
    }
    series.runs.push_back(std::move(*result));
    ++loop.done;
  }
  return 0;
}

// --runs N: N rounds, every one in -t order (A B C A B C).
int run_fixed(RunLoop& loop, ConfigResults& current) {
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
int run_auto(RunLoop& loop, ConfigResults& current, double budget_s, AutoOutcome& outcome) {
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

int run_benchmark(const Options& options, std::FILE* out, std::FILE* err) {
  if (const int code = preflight(options, err); code != 0) return code;
  install_interrupt_handlers();
  RunContext context = collect_context();
  context.copy_mode = std::string(pipepool::to_string(options.copy));
  context.pool_sizes = options.pool_sizes;
  if (options.allocator == pipepool::AllocatorKind::model)
    context.model_preset = options.model_preset;
  const ShrinkerMonitor shrinker_monitor(options, context);
  const std::vector<Configuration> plan = make_plan(options);
  print(out, format_header(header_config(options), context));
  print(out, format_shrinker_pressure(context));
  print(out, format_plan(options, plan.size(), options.pressure ? kMinRampS : 0.0));

  PressureControl pressure;  // stopped by its destructor on every return
  if (options.pressure) {
    if (const int code = pressure.start(options, context, err); code != 0) {
      if (code == kInterruptedExitCode) print(err, "pipe_bench: interrupted\n");
      return code;
    }
    print(out, format_pressure(context));
  }

  const bool show_cost = options.alloc_costs.size() > 1;
  std::vector<ConfigResults> results;
  std::vector<Comparison> comparisons;
  Progress progress(err, plan.size() * options.targets.size() * options.runs,
                    options.duration_s + kRunOverheadS);
  RunLoop loop{options, plan.size(), progress, pressure, out, err};
  double spent_s = 0;  // --runs auto: time the configurations before this one took
  for (const auto& config : plan) {
    if (plan.size() > 1) {
      print(out,
            format_config_header(config, plan.size(), show_cost,
                                 options.msg_sizes.size() > 1 ? message_size(options, config) : 0));
    }
    print(out, format_table_header(options.runs > 1));
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
    if (interrupted()) break;
    results.push_back(std::move(current));
    for (const auto& baseline : options.baselines) {
      for (auto& c : compare_with_baseline({results.back()}, baseline)) {
        comparisons.push_back(std::move(c));
      }
    }
    if (options.runs_auto) {
      attach_resolution(comparisons, config.index, outcome.decision, outcome.rounds,
                        options.ci_target_pct / 100);
    }
    print_config_tables(options, results.back(), comparisons, out);
  }
  if (pressure.active() && context.pressure && !interrupted()) {
    context.pressure->no_reclaim = no_reclaim_note(results, pressure.no_reclaim_reason());
    if (!context.pressure->no_reclaim.empty()) {
      print(out, fmt::format("\nmemory pressure requested but {}\n", context.pressure->no_reclaim));
    }
  }
  pressure.stop(err);
  if (interrupted()) {
    print(err, "pipe_bench: interrupted\n");
    return kInterruptedExitCode;
  }
  if (plan.size() > 1) print(out, format_sweep_table(results, show_cost));
  print(out, format_resolution(results, comparisons));
  if (options.summary) print(out, "\nsummary\n" + format_summary(results, comparisons, context));
  return write_outputs(options, context, results, comparisons, err);
}

}  // namespace pipe_bench
