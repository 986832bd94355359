// A process-wide wait queue for pp_poll. Pipes call poll_notify() after every state change a
// poller could care about (data, room, close); it costs one relaxed load while nobody polls.
#pragma once

#include <chrono>
#include <cstdint>

namespace pipepool::internal {

// RAII registration of one poller. Read seq(), check the pipes, then wait(seen, deadline):
// a change made after seq() was read wakes the wait at once.
class PollScope {
 public:
  PollScope() noexcept;
  ~PollScope();
  PollScope(const PollScope&) = delete;
  PollScope& operator=(const PollScope&) = delete;

  [[nodiscard]] std::uint64_t seq() const noexcept;
  // Waits until the sequence differs from `seen` or `deadline` passes. Returns false on timeout.
  bool wait(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) noexcept;
  // Waits with no deadline.
  void wait(std::uint64_t seen) noexcept;
};

void poll_notify() noexcept;

}  // namespace pipepool::internal
