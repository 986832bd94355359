// The same replay as replayer.hpp on real kernel pipes (pipe2 with O_NONBLOCK, one thread),
// counted by the kernel page counters: the kernel's pages for exactly the recorded calls in the
// recorded order, which separates what the recording changed from what a policy changed.
#pragma once

#include <string>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

struct KernelReplay {
  KernelCount count;  // `unavailable` set when the counters or a pipe could not be had
  std::uint64_t bytes_written = 0;
};

[[nodiscard]] KernelReplay replay_on_kernel(const Recording& recording,
                                            const std::string& tracefs_root);

}  // namespace pipe_bench::replay
