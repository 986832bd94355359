// A signal's disposition for a scope (handler or SIG_IGN / SIG_DFL, and sa_flags such as
// SA_RESTART), restored when the scope ends. For tests of signals meeting blocked pipe calls.
#pragma once

#include <pthread.h>

#include <atomic>
#include <csignal>

namespace pipepool::testing {

class ScopedDisposition {
 public:
  ScopedDisposition(int signo, void (*handler)(int), int flags = 0) : signo_(signo) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(signo_, &sa, &saved_);
  }
  ~ScopedDisposition() { sigaction(signo_, &saved_, nullptr); }
  ScopedDisposition(const ScopedDisposition&) = delete;
  ScopedDisposition& operator=(const ScopedDisposition&) = delete;

 private:
  int signo_;
  struct sigaction saved_ {};
};

// A handler that records the signals it takes: how many, and the thread that took the last.
struct SignalLog {
  static inline std::atomic<int> count{0};
  static inline std::atomic<pthread_t> thread{};
  static void record(int) {
    count.fetch_add(1);
    thread.store(pthread_self());
  }
};

}  // namespace pipepool::testing
