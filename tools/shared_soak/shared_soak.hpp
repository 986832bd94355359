// The cross-process soak of shared pipes (pp_pipe2 with PP_O_SHARED): writer processes push
// checksummed records of at most PIPE_BUF bytes through one shared pipe to a reader process while
// the supervisor SIGKILLs a writer every `kill_interval` and starts a new one in its place. At the
// end every record must be accounted for: none corrupt or duplicated, none missing before one
// that arrived, and each writer's records all there up to the last write it saw return (a killed
// writer's one write in flight may be there or not, never in part).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pipepool::shared_soak {

struct SoakConfig {
  std::uint64_t bytes = 10'000'000'000;  // read by the reader before the writers are stopped
  unsigned writers = 4;                  // writer processes running at a time
  std::chrono::milliseconds kill_interval{1000};
  unsigned min_kills = 0;  // the run also goes on until this many writers were killed
  std::size_t record_max = 4096;
  std::size_t pipe_size = 1 << 20;     // F_SETPIPE_SZ of the pipe
  std::chrono::seconds timeout{3600};  // the whole run; a run past it fails
  bool progress = false;               // a line on stderr every second
};

struct SoakReport {
  std::uint64_t bytes = 0;  // read
  std::uint64_t records = 0;
  std::uint64_t writers_started = 0;
  std::uint64_t kills = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t gaps = 0;
  std::uint64_t foreign = 0;
  std::uint64_t lost = 0;              // records a writer saw complete that never arrived
  std::uint64_t in_flight_landed = 0;  // killed writers' in-flight records that did arrive
  std::uint64_t unexpected = 0;        // records beyond a writer's last completion (not killed)
  double seconds = 0;
  std::string error;  // the run itself failed (fork, a child's failure, timeout)
  [[nodiscard]] bool clean() const noexcept {
    return error.empty() && corrupt == 0 && duplicated == 0 && gaps == 0 && foreign == 0 &&
           lost == 0 && unexpected == 0;
  }
};

// Runs the soak; single-threaded callers only (it forks).
[[nodiscard]] SoakReport run_soak(const SoakConfig& config);

}  // namespace pipepool::shared_soak
