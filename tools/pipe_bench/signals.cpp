#include "pipe_bench/signals.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>

namespace pipe_bench {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<pid_t> g_group{0};
std::terminate_handler g_previous_terminate = nullptr;

constexpr std::size_t kPathMax = 4096;
char g_cgroup_dir[kPathMax];
char g_cgroup_restore[kPathMax];
std::atomic<pid_t> g_cgroup_child{0};
std::atomic<bool> g_cgroup_armed{false};

void kill_group() noexcept {
  const pid_t group = g_group.exchange(0);
  if (group > 0) ::kill(-group, SIGKILL);
  emergency_cgroup_cleanup();
}

// Decimal digits of `value` into `buf` (at least 24 bytes); returns the length.
std::size_t format_pid(pid_t value, char* buf) noexcept {
  char tmp[24];
  std::size_t n = 0;
  auto v = static_cast<unsigned long>(value);
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < sizeof tmp);
  for (std::size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

// Async-signal-safe: atomics, kill, _exit, and emergency_cgroup_cleanup's calls.
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
    std::atexit(kill_group);  // also dismantles the cgroup
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

bool set_emergency_cgroup(const std::string& dir, const std::string& restore_procs,
                          pid_t child) noexcept {
  g_cgroup_armed.store(false);
  if (dir.size() >= kPathMax || restore_procs.size() >= kPathMax) return false;
  std::memcpy(g_cgroup_dir, dir.c_str(), dir.size() + 1);
  std::memcpy(g_cgroup_restore, restore_procs.c_str(), restore_procs.size() + 1);
  g_cgroup_child.store(child);
  g_cgroup_armed.store(true);
  return true;
}

void clear_emergency_cgroup() noexcept {
  g_cgroup_armed.store(false);
}

void emergency_cgroup_cleanup() noexcept {
  if (!g_cgroup_armed.exchange(false)) return;
  const int saved_errno = errno;
  const int fd = ::open(g_cgroup_restore, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[24];
    const std::size_t n = format_pid(::getpid(), buf);
    [[maybe_unused]] const auto w = ::write(fd, buf, n);
    ::close(fd);
  }
  const pid_t child = g_cgroup_child.exchange(0);
  if (child > 0) {
    ::kill(child, SIGKILL);
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  // The cgroup empties a moment after its last task is reaped: retry EBUSY for up to 1 s.
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(g_cgroup_dir) == 0 || errno != EBUSY) break;
    const timespec pause{0, 10'000'000};
    ::nanosleep(&pause, nullptr);
  }
  errno = saved_errno;
}

}  // namespace pipe_bench
