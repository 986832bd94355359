// Memory pressure: stress-ng running in its own process group for as long as the object lives.
//
// start() forks stress-ng into a new process group (so that a terminal's Ctrl-C reaches only
// pipe_bench, which then stops it in order) with its output sent to /dev/null, and registers the
// group for emergency cleanup (signals.hpp). stop() (also run by the destructor) sends SIGTERM to
// the whole group, waits up to 2 s for every process of it to exit, then SIGKILLs what is left,
// and reaps them. pipe_bench is made a child subreaper, so stress-ng's workers, should they
// outlive their parent, become pipe_bench's children and are reaped too.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pipe_bench/pressure_spec.hpp"

namespace pipe_bench {

class MemoryPressure {
 public:
  // Runs `exe` (stress-ng) with the spec's arguments. nullptr with `error` set on failure.
  [[nodiscard]] static std::unique_ptr<MemoryPressure> start(const PressureSpec& spec,
                                                             const std::string& exe,
                                                             std::string& error);
  ~MemoryPressure();
  MemoryPressure(const MemoryPressure&) = delete;
  MemoryPressure& operator=(const MemoryPressure&) = delete;

  // Waits at least `min_wait`, then until the peak of the group's resident memory (sampled every
  // 100 ms) is at least half of what the workers were asked to map (--vm-bytes, split among
  // them; a percentage of MemAvailable) and has not grown by more than 2 % for 500 ms, or
  // `max_wait` has passed. False, with
  // `error` set, if stress-ng exited meanwhile or `cancel` became true.
  [[nodiscard]] bool ramp_up(std::chrono::milliseconds min_wait, std::chrono::milliseconds max_wait,
                             const std::atomic<bool>* cancel, std::string& error);
  // Resident memory of the whole group now, in bytes.
  [[nodiscard]] std::uint64_t rss_bytes() const;
  // False once stress-ng's main process has exited.
  [[nodiscard]] bool running();
  [[nodiscard]] pid_t pgid() const noexcept { return pid_; }
  [[nodiscard]] const PressureSpec& spec() const noexcept { return spec_; }
  // Idempotent. See the file comment.
  void stop() noexcept;

 private:
  MemoryPressure(PressureSpec spec, pid_t pid) noexcept : spec_(std::move(spec)), pid_(pid) {}
  void reap_group() noexcept;

  PressureSpec spec_;
  pid_t pid_;  // stress-ng's main process, leader of its group: pgid == pid
  bool reaped_ = false;
  int status_ = 0;
  bool stopped_ = false;
};

}  // namespace pipe_bench
