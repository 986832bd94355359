// --csv: one row per run, with a header row. Columns: configuration (index, writers, readers,
// msg_size, pipe_size, duration_s, allocator, alloc_cost_ns, rate, verify, memory_pressure),
// target, run, elapsed_s, the metrics of the JSON (pool counters empty for targets without a
// pool), pressure_rss_bytes, verify_ok (empty without --verify), the pipe mutex per write
// (lock_hold_ns_per_write, lock_wait_ns_per_write, lock_contended_per_write; empty without a
// pool), the model allocator's free_cost_ns, reclaim_stall_probability, reclaim_stall_ns and
// model_preset (empty: none), then with --memory-pressure how
// much the reclaim counters grew during the run: reclaim_source, reclaimed (1/0), reclaim_failcnt,
// reclaim_pgpgin, reclaim_pgpgout, reclaim_pgscan, reclaim_pgsteal, reclaim_events_max,
// reclaim_events_high, vm_pgscan_direct, vm_pgsteal_direct, vm_allocstall (empty when not
// available, all empty without --memory-pressure). When some result was not measured, every row
// ends with where it came from: source (measured, simulated or replayed), sim_cpus, sim_seed,
// sim_cost_source (simulated), replay_recording, replay_recorder (replayed); a measured session's
// CSV has no such columns.
#pragma once

#include <string>
#include <vector>

#include "pipe_bench/session.hpp"

namespace pipe_bench {

[[nodiscard]] std::string csv_header();
[[nodiscard]] std::string csv_row(const Configuration& config, const TargetResult& result);
// The columns and fields that say where a result came from (see above).
[[nodiscard]] std::string csv_source_header();
[[nodiscard]] std::string csv_source_fields(const TargetResult& result);
// The header and every run of every configuration.
[[nodiscard]] std::string to_csv(const std::vector<ConfigResults>& results);

}  // namespace pipe_bench
