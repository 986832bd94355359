// --summary: a few lines a kernel developer can paste into a cover letter, one per target (other
// than the baseline) and configuration, e.g.
//   unified vs legacy: +10.9% throughput (95% CI +8.2%..+13.7%), -9.8% avg write latency
//   (95% CI -12.1%..-7.4%), 3 runs of 5 s, 5 writers / 5 readers, 64 KiB writes, 1 MiB pipe,
//   allocator os, memory pressure: off
#pragma once

#include <string>
#include <vector>

#include "pipe_bench/context.hpp"
#include "pipe_bench/session.hpp"

namespace pipe_bench {

// "+10.9%" for 1.109, "-9.8%" for 0.902.
[[nodiscard]] std::string percent_change(double ratio);

[[nodiscard]] std::string format_summary(const std::vector<ConfigResults>& results,
                                         const std::vector<Comparison>& comparisons,
                                         const RunContext& context);

}  // namespace pipe_bench
