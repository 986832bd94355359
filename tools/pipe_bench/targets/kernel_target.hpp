// Real kernel pipes: pipe2() resized with fcntl(F_SETPIPE_SZ); writers and readers are threads.
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_kernel_target(const TargetConfig& config);

}  // namespace pipe_bench
