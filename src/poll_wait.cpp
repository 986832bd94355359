#include "internal/poll_wait.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace pipepool::internal {
namespace {

struct PollQueue {
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<std::uint64_t> seq{0};
  std::atomic<int> pollers{0};
};

PollQueue& queue() noexcept {
  static PollQueue q;
  return q;
}

}  // namespace

PollScope::PollScope() noexcept {
  queue().pollers.fetch_add(1, std::memory_order_seq_cst);
}
PollScope::~PollScope() {
  queue().pollers.fetch_sub(1, std::memory_order_seq_cst);
}

std::uint64_t PollScope::seq() const noexcept {
  return queue().seq.load(std::memory_order_seq_cst);
}

bool PollScope::wait(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) noexcept {
  PollQueue& q = queue();
  std::unique_lock lock(q.mutex);
  return q.cv.wait_until(lock, deadline, [&] { return q.seq.load() != seen; });
}

void PollScope::wait(std::uint64_t seen) noexcept {
  PollQueue& q = queue();
  std::unique_lock lock(q.mutex);
  q.cv.wait(lock, [&] { return q.seq.load() != seen; });
}

void poll_notify() noexcept {
  PollQueue& q = queue();
  // A poller registers (seq_cst) before it reads seq and checks the pipes; the pipe changed its
  // state before calling us, so either we see the poller here or it sees the new state.
  if (q.pollers.load(std::memory_order_seq_cst) == 0) return;
  {
    std::lock_guard lock(q.mutex);
    q.seq.fetch_add(1, std::memory_order_seq_cst);
  }
  q.cv.notify_all();
}

}  // namespace pipepool::internal
