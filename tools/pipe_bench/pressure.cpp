#include "pipe_bench/pressure.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "pipe_bench/proc_scan.hpp"
#include "pipe_bench/signals.hpp"

namespace pipe_bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTermGrace = std::chrono::seconds(2);
constexpr auto kKillGrace = std::chrono::seconds(2);
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kSample = std::chrono::milliseconds(100);
constexpr auto kSettle = std::chrono::milliseconds(500);

// MemAvailable from /proc/meminfo, in bytes (0 if unreadable).
std::uint64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

// In the child between fork and exec: own group, default signals, silent, dies with us.
[[noreturn]] void exec_child(const std::string& exe, const std::vector<std::string>& args,
                             int report_fd, pid_t parent) {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) std::signal(sig, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(exe.c_str(), argv.data());
  const int err = errno;
  [[maybe_unused]] const auto n = ::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

std::unique_ptr<MemoryPressure> MemoryPressure::start(const PressureSpec& spec,
                                                      const std::string& exe, std::string& error) {
  // Orphaned stress-ng workers are reparented to us, so that stop() can reap them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  const std::vector<std::string> args = stress_ng_args(spec);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = fmt::format("--memory-pressure: pipe2 failed: {}", std::strerror(errno));
    return nullptr;
  }
  const pid_t parent = ::getpid();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = fmt::format("--memory-pressure: fork failed: {}", std::strerror(errno));
    ::close(report[0]);
    ::close(report[1]);
    return nullptr;
  }
  if (pid == 0) {
    ::close(report[0]);
    exec_child(exe, args, report[1], parent);
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins, the result is the same
  set_emergency_group(pid);
  std::unique_ptr<MemoryPressure> pressure(new MemoryPressure(spec, pid));
  ::close(report[1]);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof exec_errno) {  // nothing is read when exec succeeded (close-on-exec)
    error = fmt::format("--memory-pressure: cannot run {}: {}", exe, std::strerror(exec_errno));
    pressure->stop();
    return nullptr;
  }
  return pressure;
}

MemoryPressure::~MemoryPressure() {
  stop();
}

bool MemoryPressure::running() {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::uint64_t MemoryPressure::rss_bytes() const {
  return group_rss_bytes(pid_);
}

bool MemoryPressure::ramp_up(std::chrono::milliseconds min_wait, std::chrono::milliseconds max_wait,
                             const std::atomic<bool>* cancel, std::string& error) {
  const auto t0 = Clock::now();
  // stress-ng's vm workers map, touch and unmap their buffers in cycles, so the group's RSS
  // oscillates: follow its peak, and call it ramped up once the peak has reached half of what
  // the workers were asked to map and has not grown by more than 2 % for kSettle. (Without the
  // first condition the wait ended during stress-ng's start-up, before the workers had touched
  // their memory: 0.03 GiB resident of a 19 GiB request.)
  const std::uint64_t wanted = requested_bytes(spec_, mem_available_bytes()) / 2;
  std::uint64_t peak = 0;
  auto last_growth = t0;
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      error = "interrupted";
      return false;
    }
    if (!running()) {
      error =
          fmt::format("--memory-pressure: {} exited during ramp-up ({}); run it by hand to see why",
                      describe(spec_),
                      WIFSIGNALED(status_) ? fmt::format("signal {}", WTERMSIG(status_))
                                           : fmt::format("status {}", WEXITSTATUS(status_)));
      return false;
    }
    const auto now = Clock::now();
    const std::uint64_t rss = rss_bytes();
    if (rss > peak + peak / 50) last_growth = now;
    peak = std::max(peak, rss);
    if ((now - t0 >= min_wait && now - last_growth >= kSettle && peak >= wanted) ||
        now - t0 >= max_wait) {
      return true;
    }
    std::this_thread::sleep_for(kSample);
  }
}

void MemoryPressure::reap_group() noexcept {
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(-pid_, &status, WNOHANG)) > 0) {
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
    }
  }
}

void MemoryPressure::stop() noexcept {
  if (stopped_) return;
  stopped_ = true;
  const auto wait_empty = [this](std::chrono::nanoseconds grace) {
    const auto deadline = Clock::now() + grace;
    for (;;) {
      reap_group();
      if (live_group_members(pid_).empty()) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(kPoll);
    }
  };
  ::kill(-pid_, SIGTERM);
  if (!wait_empty(kTermGrace)) {
    ::kill(-pid_, SIGKILL);
    wait_empty(kKillGrace);
  }
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  reap_group();
  set_emergency_group(0);
}

}  // namespace pipe_bench
