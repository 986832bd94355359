// A process-wide wait queue for pp_poll. Pipes call poll_notify() after every state change a
// poller could care about (data, room, close); it costs one relaxed load while nobody polls.
//
// The queue is one futex word and a poller count, with no lock: a signal handler's run
// interrupts a wait (poll(2)'s EINTR), and a child process after fork() inherits nothing a
// thread that does not exist there could hold.
#pragma once

#include <chrono>
#include <cstdint>

namespace pipepool::internal {

// RAII registration of one poller. Read seq(), check the pipes, then wait(seen, deadline):
// a change made after seq() was read wakes the wait at once.
class PollScope {
 public:
  enum class Wake { changed, timed_out, interrupted };

  PollScope() noexcept;
  ~PollScope();
  PollScope(const PollScope&) = delete;
  PollScope& operator=(const PollScope&) = delete;

  [[nodiscard]] std::uint32_t seq() const noexcept;
  // Waits until the sequence differs from `seen` (or a spurious wakeup: `changed`), `deadline`
  // passes (`timed_out`), or a signal handler runs on this thread (`interrupted`; never
  // restarted, whatever SA_RESTART says, as poll(2)).
  [[nodiscard]] Wake wait(std::uint32_t seen,
                          std::chrono::steady_clock::time_point deadline) noexcept;
  // Waits with no deadline: `changed` or `interrupted`.
  [[nodiscard]] Wake wait(std::uint32_t seen) noexcept;
};

void poll_notify() noexcept;

}  // namespace pipepool::internal
