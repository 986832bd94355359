// Places each short read of a recording where its bytes say it ran. A read that returned fewer
// bytes than it asked for emptied its pipe (pipe_read copies until the request is met or the pipe
// is empty), so every write whose bytes it did not receive copied after it, even when that write
// entered before the read returned: the read goes before those writes. Reads that filled their
// request (and readv, whose request the recorder does not see) give no such evidence and stay.
#pragma once

#include <vector>

#include "pipe_bench/replay/recording.hpp"

namespace pipe_bench::replay {

// `calls` in replay order. Moves each short read before the writes on its pipe that precede it
// directly in that pipe's calls and whose bytes all lie past the end of the read (calls on other
// pipes and `resume` marks keep their places). Returns how many reads moved.
std::uint64_t place_short_reads(std::vector<PipeCall>& calls);

}  // namespace pipe_bench::replay
