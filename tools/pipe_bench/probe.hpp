// pipe_bench --probe: what a kernel pipe write costs piece by piece on the running kernel
// (system call, copy per page, page allocation and free; between two CPUs the futex wake-up
// latency and the lock hand-off), and the model-allocator preset derived
// from it (docs: tools/pipe_bench/README.md, "--probe"; the preset's schema is
// pipepool-model-preset/1). run_probe() is self-contained, so a caller can run it in any
// environment (e.g. inside a memory cgroup held at its limit) and compare two runs with
// derive_reclaim_stall().
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "pipe_bench/context.hpp"
#include "pipe_bench/probe_cross_cpu.hpp"
#include "pipe_bench/probe_derive.hpp"
#include "pipe_bench/probe_measure.hpp"

namespace pipe_bench {

inline constexpr const char* kPresetSchema = "pipepool-model-preset/1";
// futex_wakeup_quantiles_ns holds the quantiles 0, 1/steps, ..., 1 of the wake-up samples: fine
// enough that a draw linear between neighbours keeps the tail's weight (a rare preempted wake-up
// of milliseconds spreads over 0.1% of the draws, not 5%).
inline constexpr unsigned kWakeupQuantileSteps = 1000;

struct ProbeReport {
  ProbeOptions options;
  RunContext context;
  Measurement measurement;  // samples, pinning, pipe size, warm-up; error empty on success
  ProbeFigures figures;
  SplitDecision split;
  // The two-CPU figures; cross.error says why they are missing (samples 0), which does not fail
  // the probe.
  CrossCpuMeasurement cross;
  CrossCpuFigures cross_figures;
  // The pipe rounds again with writes and reads on two CPUs (measure_pipe_costs_across_cpus);
  // cross_pipe.error says why they are missing (no samples), which does not fail the probe.
  Measurement cross_pipe;
  ProbeFigures cross_pipe_figures;  // derived when measured(cross_pipe)
  [[nodiscard]] bool ok() const noexcept { return measurement.error.empty(); }
};

// Whether a measurement ran and has samples.
[[nodiscard]] inline bool measured(const Measurement& m) noexcept {
  return m.error.empty() && !m.samples.timer.empty();
}

// Measures, derives the figures and applies the split rule. On a measurement error the report
// carries it (ok() false) and no figures.
[[nodiscard]] ProbeReport run_probe(const ProbeOptions& options);

// The preset's identity and provenance beyond the measurement.
struct PresetMeta {
  std::string name = "kernel";  // "kernel" or "kernel-reclaim"; [a-z0-9-]+
  std::string description;      // empty: a default naming the host and kernel
  bool reclaim = false;         // measured inside a memory cgroup at its limit
  std::string reclaim_evidence = "none";
  ReclaimStall stall;  // written as reclaim_stall_*; all 0 for a calm preset
};

// A kernel-reclaim preset is preset_json(reclaim_report, {"kernel-reclaim", ..., reclaim true,
// evidence, derive_reclaim_stall(calm_report, reclaim_report)}): its costs are those measured
// under reclaim, and the stalls are what that run has beyond the calm one.
//
// The preset JSON (schema pipepool-model-preset/1): alloc_cost_ns / free_cost_ns / free_share
// from the report's split decision (rounded to whole ns), reclaim_stall_* from meta.stall, and
// source with the context, every figure (median, p10, p90, ci95, samples; futex_wakeup_ns and
// mutex_handoff_ns among them when measured, with futex_wakeup_quantiles_ns: the wake-up's
// 0, 5, ..., 100% quantiles; the two-CPU pipe figures cross_cpu_copy_ns_per_page,
// cross_cpu_copy_read_ns_per_page, cross_cpu_alloc_ns_per_page, cross_cpu_free_ns_per_page when
// measured; cross_cpu naming the CPUs or why not, cross_cpu_pipe likewise) and the checks.
[[nodiscard]] nlohmann::json preset_json(const ProbeReport& report, const PresetMeta& meta);

// The stdout text: header (host, kernel, pinning, rounds), the figure table (figure, median, p10,
// p90, ci95 of the median, samples), the model checks and the derived preset.
[[nodiscard]] std::string format_probe_report(const ProbeReport& report);

// derive_reclaim_stall on the two reports' samples.
[[nodiscard]] ReclaimStall derive_reclaim_stall(const ProbeReport& calm,
                                                const ProbeReport& reclaim);

// `pipe_bench --probe`: runs the probe, prints the report on `out`, writes the preset to
// `out_path` when not empty. Returns 0, or 1 with one line on `err` when the measurement fails
// or the file cannot be written.
int run_probe_command(const ProbeOptions& options, const std::string& out_path, std::FILE* out,
                      std::FILE* err);

}  // namespace pipe_bench
