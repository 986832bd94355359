#include "pipe_bench/sim/sim_command.hpp"

#include <fmt/format.h>

#include "pipe_bench/report.hpp"
#include "pipe_bench/report_files.hpp"
#include "pipe_bench/run_loop.hpp"
#include "pipe_bench/signals.hpp"
#include "pipe_bench/sim/breakdown.hpp"
#include "pipe_bench/sim/sim_report.hpp"
#include "pipe_bench/sim/sim_source.hpp"
#include "pipe_bench/text_report.hpp"

namespace pipe_bench::sim {
namespace {

void print(std::FILE* f, const std::string& text) {
  std::fputs(text.c_str(), f);
  std::fflush(f);
}

std::string plot_title(const Options& options, const SimConfig& base) {
  return fmt::format(
      "SIMULATED writes/s on {} CPUs, median of {} (bars: min-max); {} writes, {} pipe", base.cpus,
      options.runs_auto ? std::string("the seeds (--runs auto)")
                        : fmt::format("{} seed{}", options.runs, options.runs == 1 ? "" : "s"),
      options.msg_sizes.size() > 1 ? std::string("swept-size") : format_size(base.msg_size),
      format_size(base.pipe_size));
}

}  // namespace

int run_simulate_command(const Options& options, std::FILE* out, std::FILE* err) {
  const SimulateOptions& sim = *options.simulate;
  SimConfig base;
  base.cpus = sim.cpus;
  base.seed = sim.seed;
  base.duration_s = options.duration_s;
  base.pipe_size = options.pipe_size;
  base.msg_size = options.msg_size;
  base.pool_sizes = options.pool_sizes;
  base.lock_model = parse_lock_model(sim.lock_model).value_or(LockModel::fifo);
  base.page_model = parse_page_model(sim.page_model).value_or(PageModel::kernel);
  if (sim.costs_path.empty()) {
    base.costs = default_costs();
  } else {
    const CostsOutcome loaded = costs_from_probe_file(sim.costs_path);
    if (!loaded.costs) {
      print(err, fmt::format("pipe_bench: {}\n", loaded.error));
      return 1;
    }
    base.costs = *loaded.costs;
  }
  if (sim.memory_pressure) {
    if (const std::string error = apply_memory_pressure(base.costs); !error.empty()) {
      print(err, fmt::format("pipe_bench: {}\n", error));
      return 1;
    }
  }
  install_interrupt_handlers();
  RunContext context = collect_context();
  context.copy_mode = "kernel";
  context.pool_sizes = options.pool_sizes;
  const std::vector<Configuration> plan = make_plan(options);
  print(out, format_sim_header(base, static_cast<unsigned>(plan.size()),
                               options.runs > 1 || options.runs_auto, context));

  SessionResults session;
  SimSource source(options, base);
  TextReporter text(options, plan.size(), out, "simulated");
  if (const int code = run_plan(options, plan, source, text, session, err); code != 0) return code;
  if (interrupted()) {
    print(err, "pipe_bench: interrupted\n");
    return kInterruptedExitCode;
  }
  print(out, format_closing(options, session, context));
  print(out, "\n" + format_breakdown(session.results));
  print(out, "\n" + format_sim_speed(source.wall_s(), source.runs(), source.steps()));
  return write_report_files(options, context, session, plot_title(options, base), err);
}

}  // namespace pipe_bench::sim
