#include "pipe_bench/sim/sim_report.hpp"

#include <fmt/format.h>
#include <xbt/base.h>
// simgrid/version.h uses the macros of xbt/base.h, above, without including it.
#include <simgrid/version.h>

#include "pipe_bench/options.hpp"
#include "pipe_bench/report.hpp"
#include "pipe_bench/sim/breakdown.hpp"

namespace pipe_bench::sim {
namespace {

std::string engine_name() {
  return fmt::format("SimGrid {}.{}", SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR);
}

}  // namespace

TargetResult to_target_result(const SimConfig& config, const SimOutcome& outcome) {
  TargetResult r;
  r.target = std::string(pipepool::to_string(config.policy));
  r.config.writers = config.writers;
  r.config.readers = config.readers;
  r.config.msg_size = config.msg_size;
  r.config.duration_s = config.duration_s;
  r.config.pipe_size = config.pipe_size;
  r.config.allocator = "simulated";
  r.run.writes = outcome.writes;
  r.run.bytes_written = outcome.bytes_written;
  r.run.bytes_read = outcome.bytes_read;
  r.run.elapsed_s = outcome.elapsed_s;
  r.run.latency = outcome.latency;
  r.run.pipe_stats = outcome.pipe;
  if (!outcome.ok) r.run.error = outcome.error;
  const SimCosts& costs = config.costs;
  r.simulated =
      SimulatedRun{engine_name(),
                   config.cpus,
                   config.seed,
                   costs.reclaim_stall_probability > 0
                       ? fmt::format("{}; reclaim: {}", costs.source, costs.reclaim_source)
                       : costs.source,
                   costs.wakeup_source,
                   std::string(describe(config.lock_model)),
                   {{"syscall", costs.syscall_ns},
                    {"copy_write_per_page", costs.copy_write_ns},
                    {"copy_read_per_page", costs.copy_read_ns},
                    {"alloc_per_page", costs.alloc_ns},
                    {"free_per_page", costs.free_ns},
                    {"copy_write_per_page_cross_cpu", costs.copy_write_cross_ns},
                    {"copy_read_per_page_cross_cpu", costs.copy_read_cross_ns},
                    {"alloc_per_page_cross_cpu", costs.alloc_cross_ns},
                    {"free_per_page_cross_cpu", costs.free_cross_ns},
                    {"wakeup_idle_cpu", costs.wakeup_ns},
                    {"reclaim_stall", costs.reclaim_stall_ns}},
                   std::string(describe(config.page_model)),
                   breakdown_per_write(outcome, costs)};
  return r;
}

std::string format_sim_header(const SimConfig& config, unsigned configurations,
                              bool runs_over_seeds, const RunContext& context) {
  std::string text = fmt::format(
      "pipe_bench: SIMULATED ({}), {} CPUs, seed {}{}, msg {}, pipe {}, {} virtual s per run, "
      "copy kernel, {} configuration(s)\n",
      engine_name(), config.cpus, config.seed,
      runs_over_seeds ? fmt::format(" (run k uses seed {} + k - 1)", config.seed) : std::string(),
      format_size(config.msg_size), format_size(config.pipe_size), config.duration_s,
      configurations);
  text += fmt::format("costs: {} (source: {}; wake-up: {}{})\n", costs_text(config.costs),
                      config.costs.source, config.costs.wakeup_source,
                      config.costs.reclaim_stall_probability > 0
                          ? "; reclaim: " + config.costs.reclaim_source
                          : std::string());
  text += fmt::format(
      "pool sizes: keep {}, max {}, legacy cache {} (--pool-keep, --pool-max, "
      "--legacy-cache)\n",
      config.pool_sizes.keep, config.pool_sizes.max, config.pool_sizes.legacy_cache);
  text += fmt::format(
      "scheduler: per-CPU run queues, time slice {:.2f} ms (the kernel's base "
      "slice for {} CPUs), preemption at a slice's end\n",
      (config.slice_ns > 0 ? config.slice_ns : kernel_base_slice_ns(config.cpus)) / 1e6,
      config.cpus);
  text += fmt::format("lock model {}; page model {}; run on host {}, {}, pipepool {} ({})\n",
                      describe(config.lock_model), describe(config.page_model), context.host,
                      context.date, context.pipepool_version, context.git_revision);
  return text;
}

std::string format_sim_speed(double wall_s, unsigned runs, std::uint64_t steps) {
  return fmt::format("simulation speed: {:.1f} s of wall time for {} runs, {:.0f} k steps/s\n",
                     wall_s, runs, wall_s > 0 ? static_cast<double>(steps) / wall_s / 1e3 : 0);
}

}  // namespace pipe_bench::sim
