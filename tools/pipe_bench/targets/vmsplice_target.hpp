// Kernel pipes fed by vmsplice(2): writers map their message pages into the pipe instead of
// copying them (no SPLICE_F_GIFT: the pages stay the writer's); readers read(2) as usual, which
// is the one copy left. Each writer rotates through enough page-aligned message buffers to cover
// twice the pipe size plus one, so no buffer is rewritten while the pipe still refers to it (with
// the pipe FIFO and at most pipe_size bytes in it, a buffer has left the pipe once the same writer
// has queued pipe_size more bytes).
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_vmsplice_target(const TargetConfig& config);

}  // namespace pipe_bench
