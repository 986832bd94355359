// A kernel target whose runs also count the kernel's pipe pages (KernelPageCounters): the
// counters start before the target opens its pipe and starts its threads or processes, and stop
// after it closed the pipe and joined or reaped them, so the run's WorkloadResult::kernel_pages
// holds every pipe page its tasks allocated and freed, or why they could not be counted.
#pragma once

#include <memory>
#include <string>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench::kernel_pages {

[[nodiscard]] std::unique_ptr<Target> count_kernel_pages(std::unique_ptr<Target> target,
                                                         std::string tracefs_root);

}  // namespace pipe_bench::kernel_pages
