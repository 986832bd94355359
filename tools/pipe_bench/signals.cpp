#include "pipe_bench/signals.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <mutex>

namespace pipe_bench {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<pid_t> g_group{0};
std::terminate_handler g_previous_terminate = nullptr;

void kill_group() noexcept {
  const pid_t group = g_group.exchange(0);
  if (group > 0) ::kill(-group, SIGKILL);
}

// Async-signal-safe: atomics, kill, _exit.
void on_signal(int) {
  if (g_interrupted.exchange(true)) {
    kill_group();
    ::_exit(kInterruptedExitCode);
  }
}

void on_terminate() {
  kill_group();
  if (g_previous_terminate != nullptr) g_previous_terminate();
  std::abort();
}

}  // namespace

void install_interrupt_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::atexit(kill_group);
    g_previous_terminate = std::set_terminate(on_terminate);
  });
}

const std::atomic<bool>& interrupt_flag() noexcept {
  return g_interrupted;
}

bool interrupted() noexcept {
  return g_interrupted.load();
}

void set_emergency_group(pid_t pgid) noexcept {
  g_group.store(pgid);
}

}  // namespace pipe_bench
