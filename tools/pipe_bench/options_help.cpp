#include "pipe_bench/options_help.hpp"

#include <fmt/format.h>

#include "pipe_bench/compare.hpp"
#include "pipe_bench/resolve.hpp"
#include "pipe_bench/targets/registry.hpp"

namespace pipe_bench {

std::string help_footer() {
  std::string targets;
  for (const auto name : known_targets()) {
    targets += fmt::format("  {:<16} {}\n", name, describe_target(name));
  }
  return fmt::format(R"(
Workload (the kernel selftest's): each run opens one fresh pipe resized to --pipe-size;
--writers threads loop write(--msg-size) until --duration has passed, --readers threads read
until EOF. Write latency is the wall time of one whole message (partial writes are completed).
A configuration is one writers x readers (x --alloc-cost) combination; each target runs --runs
times per configuration, interleaved (A B C A B C) so that drift hits every target alike.

Targets:
{}Pipepool targets use --allocator; targets without pages of their own ignore --alloc-cost and
run at every cost as a reference. MB/s is MiB/s.

Statistics: per run, p50/p90/p99/p99.9 come from per-thread log-linear histograms (64
sub-buckets per power of two, < 1.6% error) merged at the end; avg and max are exact. Across
runs, reports give the median and min-max. Comparisons (each target vs --baseline, writes/s and
average write latency) pair run i of the target with run i of the baseline: the ratio is the
geometric mean of the paired ratios, and its 95% CI is Student's t on their logarithms (n-1
degrees of freedom; ci_method "{}" in JSON). One run gives a ratio without a CI.

--runs auto measures until the comparisons are resolved: per configuration it runs rounds (one
run of every target, alternately in -t order and reversed: A B C, C B A, ...) and after each
round computes every writes/s comparison's 95% CI half-width, max(hi/ratio - 1, 1 - lo/ratio).
It stops when all are within --ci-target percent (at least {} rounds: with 2, t = 12.7 on one
degree of freedom), after {} rounds, or when another round would overrun the configuration's
share of --max-time (split evenly; time a configuration leaves unused goes to the next ones).
Comparisons still wider are reported as not resolved, with their half-width and why; the exit
status is still 0.

Coordinated omission: by default writers are closed-loop, so a slow write delays the next one
and the latency reported is service time; the queueing delay a steady sender would see is not
counted. --rate N sends on a fixed schedule (open loop) and counts latency from each write's
intended send time, so stalls show up in the percentiles (timer slack adds ~50-100 us).

--memory-pressure makes page allocation reclaim. Default mode, cgroup[:LIMIT] (needs root):
pipe_bench makes a memory cgroup of its own (v2 where its memory controller is available, else
v1), limited to LIMIT or to its resident memory + the largest configuration's buffers + 256M,
fills it with the clean page cache of an unlinked sparse file twice the limit in /var/tmp (a
child keeps it full: it takes a little CPU), then moves itself in, so that kernel pipe pages,
pipepool's mmap'ed pages and kernel-procs' children must reclaim. If no cgroup can be made it
exits 2 (use =stress-ng). stress-ng[:WORKERS[:BYTES]] (also the older bare [WORKERS][:BYTES])
starts stress-ng --vm in its own process group and waits for it to ramp up (1-30 s); on a large
machine without swap it takes CPU time but causes no reclaim. Each run reports how much the
reclaim counters grew (the cgroup's memory.failcnt, memory.stat, memory.events, and
/proc/vmstat's global pgscan_direct, pgsteal_direct, allocstall); a run where none grew says
"no reclaim", and the end says why. Everything started or made is removed at the end, on
errors and on Ctrl-C / SIGTERM.

Outputs: a text table per configuration on stdout; --json (context, results with runs and
medians, comparisons with ci95, ci_method), --csv (one row per run), --plot (gnuplot; a sweep
draws one panel per readers value, an --alloc-cost list draws writes/s against the cost).
A progress line goes to stderr when it is a terminal.

--record FILE [--recorder tracepoints|strace] -- CMD [ARGS...] records CMD's pipe calls and the
kernel's count of its pipe pages into FILE: from the kernel's syscall tracepoints in the counted
run itself (default where they can be opened), else under strace and a second counted run;
--replay FILE [-t POLICIES] [--json F] [--csv F] [--summary] replays the recorded calls on
pipepool pipes of each policy and prints their page counts beside the kernel's (see
tools/pipe_bench/README.md).

--simulate runs the same workload in virtual time on --cpus simulated CPUs (docs/SIMULATION.md):
the policies' own code, with the probe's measured costs; -d is virtual seconds; --runs N|auto,
--ci-target, --json, --csv, --plot, --summary and --baseline work as for measured runs, and every
output says the results are simulated, with the CPUs, seed and cost source.

Exit status: 0 ok, 1 run failure (failed read/write, bytes read != written, --verify found a
bad record, an output could not be written), 2 bad input (one line on stderr, before any thread
starts), 130 interrupted.)",
                     targets, kCiMethod, kAutoMinRounds, kAutoMaxRounds);
}

}  // namespace pipe_bench
