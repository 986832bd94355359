#include "pipe_bench/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "pipe_bench/context.hpp"
#include "pipe_bench/measured_source.hpp"
#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/pressure_control.hpp"
#include "pipe_bench/progress.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/report_files.hpp"
#include "pipe_bench/run_loop.hpp"
#include "pipe_bench/signals.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/text_report.hpp"
#include "pipe_bench/verify.hpp"
#include "pipe_bench/workload.hpp"
#include "pipepool/shrinker.hpp"

namespace pipe_bench {
namespace {

constexpr double kMinRampS = 1.0;  // stress-ng's shortest ramp-up (pressure_control.cpp)

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

// The plot's title: what was measured, with which allocator, pressure and rate.
std::string plot_title(const Options& options) {
  const RunConfig rc = header_config(options);
  return fmt::format(
      "writes/s, median of {} (bars: min-max); {} writes, {} pipe, allocator {}{}{}",
      options.runs_auto ? std::string("the runs (--runs auto)")
                        : fmt::format("{} run{}", options.runs, options.runs == 1 ? "" : "s"),
      rc.msg_size == 0 ? std::string("swept-size") : format_size(rc.msg_size),
      format_size(rc.pipe_size),
      options.alloc_costs.size() > 1 ? std::string("model") : rc.allocator,
      options.pressure ? ", memory pressure: " + describe(*options.pressure) : std::string(),
      options.rate > 0 ? fmt::format(", open loop {:g}/s per writer", options.rate)
                       : std::string());
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

  SessionResults session;
  MeasuredSource source(options, pressure);
  TextReporter text(options, plan.size(), out);
  if (const int code = run_plan(options, plan, source, text, session, err); code != 0) return code;
  if (pressure.active() && context.pressure && !interrupted()) {
    context.pressure->no_reclaim = no_reclaim_note(session.results, pressure.no_reclaim_reason());
    if (!context.pressure->no_reclaim.empty()) {
      print(out, fmt::format("\nmemory pressure requested but {}\n", context.pressure->no_reclaim));
    }
  }
  pressure.stop(err);
  if (interrupted()) {
    print(err, "pipe_bench: interrupted\n");
    return kInterruptedExitCode;
  }
  print(out, format_closing(options, session, context));
  return write_report_files(options, context, session, plot_title(options), err);
}

}  // namespace pipe_bench
