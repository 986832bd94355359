// Splice relay targets: two pipes A -> B. Writers write() into A, one relay thread moves A's
// buffers into B with splice() (no copy), readers read() B. `kernel-splice` on kernel pipes,
// `splice` on pipepool pipes (unified policy over the configured allocator).
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_kernel_relay_target(const TargetConfig& config);
[[nodiscard]] std::unique_ptr<Target> make_pipepool_relay_target(const TargetConfig& config);

}  // namespace pipe_bench
