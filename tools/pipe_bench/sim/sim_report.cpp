#include "pipe_bench/sim/sim_report.hpp"

#include <fmt/format.h>
#include <xbt/base.h>
// simgrid/version.h uses the macros of xbt/base.h, above, without including it.
#include <simgrid/version.h>

#include "pipe_bench/options.hpp"
#include "pipe_bench/report.hpp"

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
  return r;
}

std::string format_sim_header(const SimConfig& config, unsigned configurations,
                              const RunContext& context) {
  std::string text = fmt::format(
      "pipe_bench: SIMULATED ({}), {} CPUs, seed {}, msg {}, pipe {}, {} virtual s per run, "
      "copy kernel, {} configuration(s)\n",
      engine_name(), config.cpus, config.seed, format_size(config.msg_size),
      format_size(config.pipe_size), config.duration_s, configurations);
  text += fmt::format("costs: {} (source: {}; wake-up: {})\n", costs_text(config.costs),
                      config.costs.source, config.costs.wakeup_source);
  text += fmt::format("lock model {}; run on host {}, {}, pipepool {} ({})\n",
                      describe(config.lock_model), context.host, context.date,
                      context.pipepool_version, context.git_revision);
  return text;
}

nlohmann::ordered_json sim_json(const SimConfig& config, const RunContext& context,
                                const std::vector<TargetResult>& results) {
  using json = nlohmann::ordered_json;
  json doc = to_json(context, results);
  json out;
  out["simulated"] = true;
  out["simulation"] = {{"engine", engine_name()},
                       {"cpus", config.cpus},
                       {"seed", config.seed},
                       {"cost_source", config.costs.source},
                       {"costs_ns",
                        {{"syscall", config.costs.syscall_ns},
                         {"copy_write_per_page", config.costs.copy_write_ns},
                         {"copy_read_per_page", config.costs.copy_read_ns},
                         {"alloc_per_page", config.costs.alloc_ns},
                         {"free_per_page", config.costs.free_ns},
                         {"wakeup_idle_cpu", config.costs.wakeup_ns}}},
                       {"wakeup_source", config.costs.wakeup_source},
                       {"lock_model", describe(config.lock_model)},
                       {"time", "virtual"}};
  for (auto& r : doc["results"]) r["simulated"] = true;
  for (auto& [key, value] : doc.items()) out[key] = value;
  return out;
}

}  // namespace pipe_bench::sim
