// The time per write of a simulated run, broken down: the mutex hold split by what it paid for
// (allocations, frees, copies under the lock, the time its owners spent preempted while holding
// it, and the rest: hand-offs and steps that cost nothing), the time writers and readers waited for
// the mutex, and the CPU time every task burned (steps, spins, hand-offs, FUTEX_WAKE calls), each
// divided by the writes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pipe_bench/result.hpp"
#include "pipe_bench/session.hpp"
#include "pipe_bench/sim/simulation.hpp"

namespace pipe_bench::sim {

// {hold_alloc_ns, hold_free_ns, hold_copy_ns, hold_off_cpu_ns, hold_other_ns, wait_ns,
// cpu_busy_ns}, per write;
// all 0 without writes.
[[nodiscard]] std::vector<std::pair<std::string, double>> breakdown_per_write(
    const SimOutcome& outcome, const SimCosts& costs);

// The text table: one row per configuration and target, the medians over its runs
// (median_breakdown, session.hpp), in us.
[[nodiscard]] std::string format_breakdown(const std::vector<ConfigResults>& results);

}  // namespace pipe_bench::sim
