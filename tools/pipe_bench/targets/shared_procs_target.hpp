// `procs`: one pipepool shared pipe (pp_pipe2 with PP_O_SHARED) with writers and readers as forked
// processes, the same workload as kernel-procs (procs_target.hpp) over the pipe whose ring, lock
// and pages live in shared memory. The pipe is resized to the configured size (F_SETPIPE_SZ, up to
// pipe-max-size); its page counters (the legacy tmp_page pool over the pipe's arena) are reported
// in the pool fields of the other pipepool targets: pages taken from the arena as allocations
// under the lock, pages given back as frees under the lock, tmp_page hits as pool hits.
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_shared_procs_target(const TargetConfig& config);

}  // namespace pipe_bench
