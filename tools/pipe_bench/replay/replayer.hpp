// Replays a Recording's calls on pipepool pipes of one policy, on one thread, in recorded order:
// each recorded pipe becomes a non-blocking pipepool pipe in `--copy kernel` mode; a write puts
// in the bytes the recorded call wrote (what does not fit waits and goes in as reads make room),
// a read takes out the bytes the recorded call read, F_SETPIPE_SZ sets the recorded size, a
// release closes the pipe. Failed calls move nothing. The pages come from one heap allocator per
// replay, so two replays of the same recording give the same counts. The pipes' pools have the
// given sizes (valid: pipepool::validate).
#pragma once

#include <cstdint>
#include <string>

#include "pipe_bench/replay/recording.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::replay {

struct ReplayCounts {
  pipepool::PoolStats pool{};          // summed over the pipes; pool_peak: the largest pipe's
  std::uint64_t allocs = 0;            // pages the allocator gave out
  std::uint64_t frees = 0;             // pages given back to it, releases included
  std::uint64_t frees_at_release = 0;  // of which freed by closing pipes (not counted by pools)
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t pipes = 0;
  std::uint64_t short_calls = 0;  // recorded reads/writes the replay could not move in full
  bool operator==(const ReplayCounts& o) const;
};

struct ReplayOutcome {
  ReplayCounts counts;
  std::string error;  // one line when the replay could not run (a pipe could not be made)
};

[[nodiscard]] ReplayOutcome replay(const Recording& recording, pipepool::PolicyKind policy,
                                   const pipepool::PoolSizes& sizes = {});

}  // namespace pipe_bench::replay
