// What --memory-pressure runs during a benchmark, in either mode (pressure_spec.hpp): stress-ng
// (pressure.hpp) or a memory cgroup that reclaims (reclaim_cgroup.hpp); and the reclaim counters
// sampled around each run, the proof in the reports that the pressure made page allocation
// reclaim (the cgroup's counters, or /proc/vmstat's global ones with stress-ng).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "pipe_bench/context.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/pressure.hpp"
#include "pipe_bench/reclaim_cgroup.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

// The ReclaimSpec of cgroup mode: --memory-pressure=cgroup:LIMIT, else a limit chosen at start
// with room for the largest configuration's buffers and pipes.
[[nodiscard]] ReclaimSpec reclaim_spec(const Options& options);

class PressureControl {
 public:
  // Starts the pressure options.pressure asks for (nothing when it is not set) and fills
  // context.pressure. Returns 0, or an exit code with one line printed to `err`: 2 when cgroup
  // mode cannot make its cgroup here, 1 when stress-ng or the page-cache child failed, 130 when
  // interrupted.
  int start(const Options& options, RunContext& context, std::FILE* err);
  [[nodiscard]] bool active() const noexcept { return stress_ || cgroup_; }
  // The counters now (the cgroup's and /proc/vmstat's, or /proc/vmstat's only with stress-ng).
  [[nodiscard]] ReclaimCounters sample() const;
  // stress-ng's resident memory now; nullopt in cgroup mode.
  [[nodiscard]] std::optional<std::uint64_t> stress_rss() const;
  // False, with `error` set, when the page-cache child has died (the pressure is gone).
  [[nodiscard]] bool healthy(std::string& error);
  // Why runs may have caused no reclaim: the cgroup's peak usage and limit, or MemAvailable.
  [[nodiscard]] std::string no_reclaim_reason() const;
  // Stops stress-ng / removes the cgroup; warnings go to `err`. Idempotent.
  void stop(std::FILE* err);

 private:
  std::unique_ptr<MemoryPressure> stress_;
  std::unique_ptr<ReclaimCgroup> cgroup_;
};

// "no reclaim was caused in 2 of 4 runs (kernel run 1, unified run 2): <reason>", or empty when
// every run of `results` reclaimed (or none had --memory-pressure).
[[nodiscard]] std::string no_reclaim_note(const std::vector<ConfigResults>& results,
                                          const std::string& reason);

}  // namespace pipe_bench
