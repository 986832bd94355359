// The CPU costs the simulation charges, and where each one comes from. Every figure is a median
// measured on a real kernel by `pipe_bench --probe` (tools/pipe_bench/probe*.hpp): either a probe
// file given with --sim-costs, or the defaults below, measured on the development VM.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pipe_bench::sim {

struct SimCosts {
  double syscall_ns = 0;  // one write() or read() system call's entry and exit (probe syscall_ns)
  double copy_write_ns = 0;  // per 4 KiB page copied into the pipe (probe copy_ns_per_page)
  double copy_read_ns = 0;   // per 4 KiB page copied out of it (probe copy_read_ns_per_page)
  double alloc_ns = 0;       // per page allocated (probe alloc_cost_ns)
  double free_ns = 0;        // per page freed (probe free_cost_ns)
  // Latency of a task woken onto an idle CPU before it runs (kernel lock model only; probe
  // futex_wakeup_ns: FUTEX_WAKE on one CPU to the waiter running on another, idle one).
  double wakeup_ns = 0;
  // Passing the mutex to a task spinning on another CPU, charged under the lock to the task that
  // takes it (kernel lock model only; probe mutex_handoff_ns).
  double handoff_ns = 0;
  // The same figures measured with the writer and the reader on two CPUs (the probe's two-CPU
  // pipe rounds): copying into a page the other CPU read last, copying out of a page the other
  // CPU wrote, allocating on a CPU whose pages are freed on another, freeing a page allocated on
  // another CPU (probe cross_cpu_*). Charged by the page models that place tasks on CPUs
  // (PageModel, simulation.hpp).
  double copy_write_cross_ns = 0;
  double copy_read_cross_ns = 0;
  double alloc_cross_ns = 0;
  double free_cross_ns = 0;
  // The wake-up latency's quantiles 0, 1/n, ..., 1 (probe futex_wakeup_quantiles_ns); empty: every
  // wake-up onto an idle CPU takes wakeup_ns. Non-empty: each one draws from this distribution
  // with the run's seed (linear between quantiles).
  std::vector<double> wakeup_quantiles_ns;
  // Under memory pressure (--memory-pressure): with this probability an allocation also stalls
  // this long in direct reclaim, as the probe measured it inside a memory cgroup held at its limit
  // (reclaim_stall_probability, reclaim_stall_ns of a `kernel-reclaim` preset). 0: no reclaim.
  double reclaim_stall_probability = 0;
  double reclaim_stall_ns = 0;
  std::string reclaim_source = "none";
  std::string wakeup_source = "none";  // where wakeup_ns and handoff_ns come from
  std::string source;  // "probe file PATH (host, kernel, date)" or the defaults' provenance
};

// The defaults: tools/pipe_bench/sim/default_probe.json, a `pipe_bench --probe` run on the 2-core
// development VM, compiled in and read as a --sim-costs file is (docs/SIMULATION.md).
[[nodiscard]] SimCosts default_costs();

struct CostsOutcome {
  std::optional<SimCosts> costs;
  std::string error;  // one line naming the file or field when costs is nullopt
};

// Reads a preset file written by `pipe_bench --probe --probe-out FILE` (schema
// pipepool-model-preset/1): alloc_cost_ns and free_cost_ns, and from source.figures the medians
// of syscall_ns, copy_ns_per_page, copy_read_ns_per_page, futex_wakeup_ns, mutex_handoff_ns and
// the four cross_cpu_* figures, and futex_wakeup_quantiles_ns.
[[nodiscard]] CostsOutcome costs_from_probe_text(const std::string& text, const std::string& path);
[[nodiscard]] CostsOutcome costs_from_probe_file(const std::string& path);

// Memory pressure: the reclaim stall of the built-in `kernel-reclaim` preset (a probe run under a
// reclaiming memory cgroup, tools/pipe_bench/presets/), named in reclaim_source. Empty, or why
// the preset could not be read.
[[nodiscard]] std::string apply_memory_pressure(SimCosts& costs);

// "syscall 190 ns, copy in 111 ns/page, copy out 101 ns/page, alloc 212 ns, free 283 ns, wake-up
// onto an idle CPU 30000 ns, mutex hand-off 150 ns"
[[nodiscard]] std::string costs_text(const SimCosts& costs);

}  // namespace pipe_bench::sim
