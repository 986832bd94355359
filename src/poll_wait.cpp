#include "internal/poll_wait.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <ctime>

#include "internal/futex.hpp"

namespace pipepool::internal {
namespace {

struct PollQueue {
  std::atomic<std::uint32_t> seq{0};  // the futex word: bumped by every notification
  std::atomic<int> pollers{0};
};

PollQueue& queue() noexcept {
  static PollQueue q;
  return q;
}

PollScope::Wake wake_of(int err) noexcept {
  switch (err) {
    case ETIMEDOUT:
      return PollScope::Wake::timed_out;
    case EINTR:
      return PollScope::Wake::interrupted;
    default:  // woken, the word changed (EAGAIN) or spurious
      return PollScope::Wake::changed;
  }
}

}  // namespace

PollScope::PollScope() noexcept {
  queue().pollers.fetch_add(1, std::memory_order_seq_cst);
}
PollScope::~PollScope() {
  queue().pollers.fetch_sub(1, std::memory_order_seq_cst);
}

std::uint32_t PollScope::seq() const noexcept {
  return queue().seq.load(std::memory_order_seq_cst);
}

PollScope::Wake PollScope::wait(std::uint32_t seen,
                                std::chrono::steady_clock::time_point deadline) noexcept {
  // steady_clock is CLOCK_MONOTONIC, the clock of FUTEX_WAIT_BITSET's absolute deadline.
  const auto since = deadline.time_since_epoch();
  if (since.count() < 0) return Wake::timed_out;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto nsecs = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(secs.count());
  ts.tv_nsec = static_cast<long>(nsecs.count());
  return wake_of(futex_wait_until(queue().seq, seen, ts));
}

PollScope::Wake PollScope::wait(std::uint32_t seen) noexcept {
  // A deadline even here: the kernel restarts an untimed futex wait after a handler installed
  // with SA_RESTART, but never a timed one, and poll(2) must report EINTR either way. Reaching
  // the day-long deadline is a spurious wakeup.
  const Wake wake = wait(seen, std::chrono::steady_clock::now() + std::chrono::hours(24));
  return wake == Wake::timed_out ? Wake::changed : wake;
}

void poll_notify() noexcept {
  PollQueue& q = queue();
  // A poller registers (seq_cst) before it reads seq and checks the pipes; the pipe changed its
  // state before calling us, so either we see the poller here or it sees the new state. The
  // futex compares seq with what the poller read: a bump before it sleeps makes it return.
  if (q.pollers.load(std::memory_order_seq_cst) == 0) return;
  q.seq.fetch_add(1, std::memory_order_seq_cst);
  futex_wake(q.seq, INT_MAX);
}

}  // namespace pipepool::internal
