// The part of --help after the flag list: workload, targets, statistics, outputs, exit codes.
#pragma once

#include <string>

namespace pipe_bench {

[[nodiscard]] std::string help_footer();

}  // namespace pipe_bench
