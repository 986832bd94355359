// pipe_bench: command-line entry point. Parsing lives in options.cpp, the run in runner.cpp,
// --probe in probe.cpp, --record / --replay in replay/, --simulate in sim/.
#include <csignal>
#include <cstdio>

#include "pipe_bench/options.hpp"
#include "pipe_bench/probe.hpp"
#include "pipe_bench/probe_reclaim.hpp"
#include "pipe_bench/replay/replay_command.hpp"
#include "pipe_bench/runner.hpp"
#ifdef PIPE_BENCH_SIMULATION
#include "pipe_bench/sim/sim_command.hpp"
#endif

int main(int argc, char** argv) {
  // Writers see EPIPE when the readers are gone, on pipepool and kernel pipes alike, instead of
  // dying of SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  if (pipe_bench::replay::is_replay_command(argc, argv)) {
    return pipe_bench::replay::run_replay_command(argc, argv, stdout, stderr);
  }
  const pipe_bench::ParseOutcome parsed = pipe_bench::parse_options(argc, argv);
  if (!parsed.options) {
    std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    if (parsed.exit_code != 0) std::fputc('\n', stderr);
    return parsed.exit_code;
  }
  if (parsed.options->probe) {
    pipe_bench::ProbeOptions probe;
    probe.samples = parsed.options->probe_samples;
    if (parsed.options->pressure) {
      return pipe_bench::run_probe_under_reclaim(probe, *parsed.options->pressure,
                                                 parsed.options->probe_out, stdout, stderr);
    }
    return pipe_bench::run_probe_command(probe, parsed.options->probe_out, stdout, stderr);
  }
  if (parsed.options->simulate) {
#ifdef PIPE_BENCH_SIMULATION
    return pipe_bench::sim::run_simulate_command(*parsed.options, stdout, stderr);
#else
    std::fputs(
        "pipe_bench: --simulate: built without SimGrid (install libsimgrid-dev and "
        "reconfigure)\n",
        stderr);
    return 2;
#endif
  }
  return pipe_bench::run_benchmark(*parsed.options, stdout, stderr);
}
