// pipe_bench --probe --memory-pressure: the probe twice, once as it is and once inside a memory
// cgroup held at its limit (reclaim_cgroup.hpp), so that every page the kernel's pipe write
// allocates has to reclaim page cache first. Gives both presets: `kernel` from the first run and
// `kernel-reclaim` from the second, whose costs are the ones measured under reclaim and whose
// stalls are what that run has beyond the first (derive_reclaim_stall).
#pragma once

#include <cstdio>
#include <string>

#include "pipe_bench/pressure_spec.hpp"
#include "pipe_bench/probe.hpp"

namespace pipe_bench {

// "probe.json" -> "probe-reclaim.json"; "out" -> "out-reclaim".
[[nodiscard]] std::string reclaim_preset_path(const std::string& path);

// Runs both probes and prints both reports, the reclaim counters' growth during the second run
// and, where it grew, the derived stall. With `out_path` set, writes the calm preset there and
// the reclaim preset to reclaim_preset_path(out_path). When the counters did not grow, says so
// and writes no reclaim preset. Returns 0, 1 (a measurement, the cgroup or a file failed), or 130
// when interrupted.
int run_probe_under_reclaim(const ProbeOptions& options, const PressureSpec& pressure,
                            const std::string& out_path, std::FILE* out, std::FILE* err);

}  // namespace pipe_bench
