#include "pipe_bench/sim/sim_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <vector>

#include "pipe_bench/report.hpp"
#include "pipe_bench/sim/sim_report.hpp"
#include "pipe_bench/sim/simulation.hpp"

namespace pipe_bench::sim {

int run_simulate_command(const Options& options, std::FILE* out, std::FILE* err) {
  const SimulateOptions& sim = *options.simulate;
  SimConfig base;
  base.cpus = sim.cpus;
  base.seed = sim.seed;
  base.duration_s = options.duration_s;
  base.pipe_size = options.pipe_size;
  base.lock_model = parse_lock_model(sim.lock_model).value_or(LockModel::fifo);
  if (sim.costs_path.empty()) {
    base.costs = default_costs();
  } else {
    const CostsOutcome loaded = costs_from_probe_file(sim.costs_path);
    if (!loaded.costs) {
      std::fprintf(err, "pipe_bench: %s\n", loaded.error.c_str());
      return 1;
    }
    base.costs = *loaded.costs;
  }
  RunContext context = collect_context();
  context.copy_mode = "kernel";
  const auto configurations = static_cast<unsigned>(
      options.msg_sizes.size() * options.writers.size() * options.readers.size());
  base.msg_size = options.msg_size;
  std::fputs(format_sim_header(base, configurations, context).c_str(), out);

  std::vector<TargetResult> all;
  for (const std::size_t msg_size : options.msg_sizes) {
    for (const unsigned writers : options.writers) {
      for (const unsigned readers : options.readers) {
        std::fprintf(out, "\n== %u writers, %u readers, msg %s (simulated)\n", writers, readers,
                     format_size(msg_size).c_str());
        std::fputs(format_table_header().c_str(), out);
        std::vector<TargetResult> rows;
        double wall_s = 0;
        std::uint64_t steps = 0;
        for (const std::string& target : options.targets) {
          SimConfig config = base;
          config.policy = *pipepool::parse_policy_kind(target);
          config.writers = writers;
          config.readers = readers;
          config.msg_size = msg_size;
          const SimOutcome outcome = simulate(config);
          if (!outcome.ok) {
            std::fprintf(err, "pipe_bench: simulation of %s failed: %s\n", target.c_str(),
                         outcome.error);
            return 1;
          }
          wall_s += outcome.wall_s;
          steps += outcome.steps;
          rows.push_back(to_target_result(config, outcome));
          std::fputs(format_row(rows.back()).c_str(), out);
          std::fflush(out);
        }
        std::fputs("\n", out);
        std::fputs(format_pool_table(rows).c_str(), out);
        const std::string ratios = format_ratios(rows, options.baseline);
        if (!ratios.empty()) std::fprintf(out, "\n%s", ratios.c_str());
        std::fprintf(out, "\nsimulation speed: %.1f s of wall time for %zu runs, %.0f k steps/s\n",
                     wall_s, rows.size(),
                     wall_s > 0 ? static_cast<double>(steps) / wall_s / 1e3 : 0);
        all.insert(all.end(), rows.begin(), rows.end());
      }
    }
  }
  if (!options.json_path.empty()) {
    std::ofstream file(options.json_path);
    file << sim_json(base, context, all).dump(2) << '\n';
    if (!file) {
      std::fprintf(err, "pipe_bench: --json %s: cannot write\n", options.json_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace pipe_bench::sim
