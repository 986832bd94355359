// The kernel selftest's workload on one open pipe: W writer threads each loop write(msg_size)
// until a stop flag, R reader threads read until EOF.
#pragma once

#include <cstdint>
#include <vector>

#include "pipe_bench/targets/target.hpp"
#include "pipe_bench/workload_types.hpp"

namespace pipe_bench {

// Runs the workload on `endpoints` and closes both of its sides. The main thread starts all
// threads, sleeps `duration` (less if config.cancel is set meanwhile), sets the stop flag, joins
// the writers, closes the write end, joins the readers (who see EOF), then closes the read end.
[[nodiscard]] WorkloadResult run_workload(Endpoints& endpoints, const WorkloadConfig& config);

// Fills the parts of `result` every runner derives the same way once all tallies are in: the
// byte balance check and, with a ledger, the verification verdict.
void finish_result(WorkloadResult& result, const Ledger* ledger,
                   const std::vector<std::uint64_t>& sent_per_writer);

}  // namespace pipe_bench
