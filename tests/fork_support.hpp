// Forking from a test with a bound: a child that does not finish in time is killed, so a deadlock
// in the child fails the test instead of hanging it. fork_while_held() forks while a thread holds
// one of pipepool's process-global locks.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "internal/fork_guard.hpp"
#include "torture_watchdog.hpp"

namespace pipepool::testing {

// What wait_child() returns for a child it killed because the bound passed.
inline constexpr int kChildHung = -1000;
// What spawn_child() and wait_child() return when fork or waitpid failed.
inline constexpr int kForkFailed = -1001;

// The bound a child gets by default (tripled under TSan, which slows everything).
inline constexpr std::chrono::milliseconds kChildBound{5000 * (test::kUnderTsan ? 3 : 1)};

// Forks; the child runs `body` and _exits with what it returned. Returns the child's pid, or -1.
template <typename Body>
pid_t spawn_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  return pid;
}

// Waits for `pid` at most `bound`; kills it when the bound passes. Returns its exit code,
// -signal when it died, kChildHung when it was killed for taking too long, or kForkFailed.
inline int wait_child(pid_t pid, std::chrono::milliseconds bound = kChildBound) {
  if (pid < 0) return kForkFailed;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return kForkFailed;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return kChildHung;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Runs `body` in a forked child with a bound (see wait_child()).
template <typename Body>
int in_bounded_child(Body body, std::chrono::milliseconds bound = kChildBound) {
  return wait_child(spawn_child(body), bound);
}

// How long the holding thread keeps the lock when fork does not return: fork's prepare handler
// waits for the lock, so with the handlers in place fork returns only after this.
inline constexpr std::chrono::milliseconds kHoldWhileForking{200};

// A thread takes `lock` and holds it while this thread forks; it lets go once fork has returned
// in the parent, or after kHoldWhileForking if fork is still waiting for it, and ends after fork
// has returned. The child runs
// `body`, which needs the lock. Returns what in_bounded_child() returns.
template <typename Body>
int fork_while_held(internal::GlobalLock lock, Body body) {
  std::mutex m;
  std::condition_variable cv;
  bool held = false;
  bool forked = false;
  std::thread holder([&] {
    internal::lock_global_for_test(lock);
    {
      std::lock_guard g(m);
      held = true;
    }
    cv.notify_all();
    std::unique_lock g(m);
    cv.wait_for(g, kHoldWhileForking, [&] { return forked; });
    internal::unlock_global_for_test(lock);
    // Still running when the child is made: a thread that ended but was not joined yet would
    // count as leaked in the child under TSan.
    cv.wait(g, [&] { return forked; });
  });
  {
    std::unique_lock g(m);
    cv.wait(g, [&] { return held; });
  }
  const pid_t pid = spawn_child(body);
  {
    std::lock_guard g(m);
    forked = true;
  }
  cv.notify_all();
  holder.join();
  return wait_child(pid);
}

}  // namespace pipepool::testing
