// pipe_bench's JSON (--json). The Core schema, extended:
//
// {"context": {"date", "host", "kernel", "cpu_model", "cores", "build_type", "pipepool_version",
//              "git_revision", "pressure": null | {"command", "workers", "vm_bytes", "method",
//                                                  "rss_bytes_at_start", "ramp_s", "mode",
//                                                  "cgroup", "cgroup_version", "limit_bytes",
//                                                  "cache_file_bytes", "cache_dir",
//                                                  "no_reclaim", "idle_reclaim", "idle_s"},
//              ..., "model_preset": null | {"name", "description", "origin", "alloc_cost_ns",
//                                           "free_cost_ns", "free_share",
//                                           "reclaim_stall_probability", "reclaim_stall_ns",
//                                           "source"},
//              "pool_sizes": {"legacy_cache", "keep", "max"}},
//  "baseline": NAME, "baselines": [NAME, ...], "ci_method": "student_t_paired_log_ratio",
//  "ci_method_description": "...", "results": [{"target",
//               "config": {"writers", "readers", "msg_size", "duration_s", "pipe_size",
//                          "allocator", "alloc_cost_ns", "runs", "rate", "verify",
//                          "memory_pressure", "free_cost_ns", "reclaim_stall_probability",
//                          "reclaim_stall_ns", "model_preset"},
//               "metrics": {...},              // = "median", for readers of the Core schema
//               "median": {...}, "min": {...}, "max": {...},
//               "runs": [{"run", "elapsed_s", "pressure_rss_bytes", "verify", "metrics",
//                         "reclaim"}]}],
//  "comparisons": [{"config": {"index", "writers", "readers", "alloc_cost_ns"}, "baseline",
//                   "target", "metric", "ratio", "ci95": [lo, hi] | null, "runs",
//                   "half_width_pct", "resolved", "rounds", "stop_reason"}]}
// (the runner adds "options": {"runs": N | "auto", "ci_target_pct", "max_time_s"}; see
// resolve_report.hpp for the --runs auto fields, null without it).
//
// Results that were not measured say so first: a simulation's document opens with
// "simulated": true, "simulation": {"engine", "cpus", "seed" (the first), "seeds" (every run's),
// "cost_source", "costs_ns": {NAME: ns}, "wakeup_source", "lock_model", "page_model", "time":
// "virtual"}, each of its results has "simulated": true and "breakdown" (the medians over its
// runs) and each run its "seed" and "breakdown": {"hold_alloc_ns", "hold_free_ns",
// "hold_copy_ns", "hold_other_ns", "wait_ns", "cpu_busy_ns"}, per write; a replay's opens with
// "replayed": true, "replay": {"recording", "recorder", "command", "calls"}, and each of its
// results has "replayed": true and "replay": {"frees_at_release", "pipes", "short_calls",
// "pages_per_mib", "vs_kernel_pct"} (the pages are the metrics' "pages", releases included). A
// measured run's document has none of these keys.
//
// One result per target and configuration; config_index matches comparisons[].config.index.
// metrics: writes, writes_per_s, throughput_mbps (MiB/s), lat_avg_ns, lat_p50_ns, lat_p90_ns,
// lat_p99_ns, lat_p999_ns, lat_max_ns, bytes_written, bytes_read, and the pool counters
// allocs_in_lock, allocs_outside_lock, frees_in_lock, frees_outside_lock, pool_hits, pool_peak
// and lock_violations (totals over the run; null for targets without a pool), and the pipe mutex
// per write: lock_hold_ns_per_write, lock_wait_ns_per_write, lock_contended_per_write,
// lock_acquisitions_per_write (null without a pool). config.rate is null in closed loop;
// memory_pressure is the stress-ng command or null. A run's verify is null without --verify, else
// {sent, received, lost, duplicated, corrupted}. free_cost_ns, reclaim_stall_* and model_preset
// (the preset's name or null) describe the model allocator, 0 / null for the others; the
// context's model_preset is the preset as read (its "source": the file's provenance block, or
// null), null without one. pressure.mode is "cgroup" or "stress-ng"; the
// cgroup fields are null with stress-ng; no_reclaim is null, or why some runs caused no reclaim;
// idle_reclaim is the counters' growth (as a run's reclaim) over idle_s seconds before the runs,
// with pipe_bench not yet in the cgroup: the page-cache child's own share.
// A run's reclaim is null without --memory-pressure, else how much each counter grew during the
// run (reclaim_counters.hpp; null for a counter not available): {"source", "reclaimed", "failcnt",
// "pgpgin", "pgpgout", "pgscan", "pgsteal", "events_max", "events_high", "vm_pgscan_direct",
// "vm_pgsteal_direct", "vm_allocstall"}; reclaimed is false when no reclaim counter grew.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

[[nodiscard]] nlohmann::ordered_json context_json(const RunContext& context);
// {"legacy_cache", "keep", "max"}: the pool sizes of the pipepool targets, in pages.
[[nodiscard]] nlohmann::ordered_json pool_sizes_json(const pipepool::PoolSizes& sizes);
[[nodiscard]] nlohmann::ordered_json config_json(const RunConfig& config, unsigned runs);
[[nodiscard]] nlohmann::ordered_json metrics_json(const Metrics& metrics);

// The whole session, as described above.
[[nodiscard]] nlohmann::ordered_json session_json(const RunContext& context,
                                                  const std::vector<ConfigResults>& results,
                                                  const std::vector<Comparison>& comparisons,
                                                  const std::vector<std::string>& baselines);

}  // namespace pipe_bench
