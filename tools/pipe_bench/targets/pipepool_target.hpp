// In-process pipepool pipes with one page-pool policy over the configured allocator.
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"
#include "pipepool/page_pool.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_pipepool_target(pipepool::PolicyKind policy,
                                                           const TargetConfig& config);

// `vmsplice`: a unified-policy pipepool pipe whose writers vmsplice() rotating page-aligned
// message buffers and whose readers read(), beside kernel-vmsplice.
[[nodiscard]] std::unique_ptr<Target> make_pipepool_vmsplice_target(const TargetConfig& config);

}  // namespace pipe_bench
