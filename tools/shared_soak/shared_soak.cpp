#include "shared_soak/shared_soak.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipepool/posix.h"
#include "shared_soak/soak_control.hpp"

namespace pipepool::shared_soak {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(2);
constexpr auto kStartBound = std::chrono::seconds(10);
constexpr auto kStopBound = std::chrono::seconds(20);

// Forks a child that runs `body` and _exits with its result; it dies with the supervisor.
template <typename Body>
pid_t fork_child(Body body) {
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);
  ::_exit(body());
}

// Waits for `pid` at most `bound`; SIGKILLs it when the bound passes. Returns false then.
bool reap_within(pid_t pid, Clock::duration bound, int& status) {
  const auto deadline = Clock::now() + bound;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

std::string describe_exit(const char* who, std::uint32_t id, int status) {
  char text[96];
  if (WIFSIGNALED(status)) {
    std::snprintf(text, sizeof text, "%s %u killed by signal %d", who, id, WTERMSIG(status));
  } else {
    std::snprintf(text, sizeof text, "%s %u exited with status %d", who, id, WEXITSTATUS(status));
  }
  return text;
}

struct LiveWriter {
  pid_t pid;
  std::uint32_t id;
};

class Supervisor {
 public:
  Supervisor(const SoakConfig& config, Control& control, int write_fd, SoakReport& report)
      : config_(config), control_(control), write_fd_(write_fd), report_(report) {}

  // Starts a writer with a fresh id and waits until it runs.
  bool start_writer() {
    if (next_id_ >= kMaxWriterIds) return fail("every writer id was used");
    const std::uint32_t id = next_id_++;
    control_.writers[id].state.store(WriterState::starting);
    const pid_t pid =
        fork_child([&] { return writer_main(control_, write_fd_, id, config_.record_max); });
    if (pid < 0) return fail(std::string("fork failed: ") + std::strerror(errno));
    live_.push_back({pid, id});
    ++report_.writers_started;
    const auto deadline = Clock::now() + kStartBound;
    while (control_.writers[id].state.load() == WriterState::starting) {
      if (Clock::now() >= deadline) return fail("a writer did not start within 10 s");
      std::this_thread::sleep_for(kPoll);
    }
    return true;
  }

  // SIGKILLs a writer picked at random and starts another.
  bool kill_one() {
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, live_.size() - 1)(rng_);
    const LiveWriter victim = live_[i];
    live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
    ::kill(victim.pid, SIGKILL);
    int status = 0;
    ::waitpid(victim.pid, &status, 0);
    control_.writers[victim.id].state.store(WriterState::killed);
    // A writer that ended on its own just before the kill failed: not hidden as a kill.
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      return fail(describe_exit("writer", victim.id, status));
    }
    ++report_.kills;
    return start_writer();
  }

  // False when a writer ended on its own before the stop.
  bool writers_running() {
    for (std::size_t i = 0; i < live_.size(); ++i) {
      const LiveWriter w = live_[i];
      int status = 0;
      if (::waitpid(w.pid, &status, WNOHANG) == w.pid) {
        live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
        const std::uint32_t line = control_.writers[w.id].failed_line.load();
        return fail(describe_exit("writer", w.id, status) +
                    (line != 0
                         ? " (a write failed at soak_children.cpp:" + std::to_string(line) + ")"
                         : std::string()));
      }
    }
    return true;
  }

  // After the stop flag: every writer ends (closing its end) within the bound.
  void stop_writers() {
    for (const LiveWriter& w : live_) {
      int status = 0;
      if (!reap_within(w.pid, kStopBound, status)) {
        fail("a writer did not stop within 20 s; killed");
      } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail(describe_exit("writer", w.id, status));
      }
    }
    live_.clear();
  }

  [[nodiscard]] std::uint32_t ids_used() const noexcept { return next_id_; }

  bool fail(std::string what) {
    if (report_.error.empty()) report_.error = std::move(what);
    return false;
  }

 private:
  const SoakConfig& config_;
  Control& control_;
  int write_fd_;
  SoakReport& report_;
  std::vector<LiveWriter> live_;
  std::uint32_t next_id_ = 0;
  std::mt19937 rng_{12345};
};

// What each writer saw complete against what the reader received from it.
void settle(const Control& control, std::uint32_t ids, SoakReport& report) {
  const ReaderReport& r = control.reader;
  report.bytes = r.bytes;
  report.records = r.records;
  report.corrupt = r.corrupt;
  report.duplicated = r.duplicated;
  report.gaps = r.gaps;
  report.foreign = r.foreign;
  for (std::uint32_t id = 0; id < ids; ++id) {
    const std::uint64_t completed = control.writers[id].completed.load();
    const std::uint64_t received = r.received[id];
    const bool killed = control.writers[id].state.load() == WriterState::killed;
    if (received < completed) {
      report.lost += completed - received;
    } else if (killed && received == completed + 1) {
      ++report.in_flight_landed;
    } else if (received > completed) {
      report.unexpected += received - completed - (killed ? 1 : 0);
    }
  }
  if (r.read_errors != 0 && report.error.empty()) report.error = "the reader's read failed";
}

void print_progress(const SoakReport& report, std::uint64_t bytes, double seconds) {
  std::fprintf(stderr, "shared_soak: %.2f GB read in %.0f s (%.0f MB/s), %llu writers killed\n",
               static_cast<double>(bytes) / 1e9, seconds,
               seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0,
               static_cast<unsigned long long>(report.kills));
}

}  // namespace

SoakReport run_soak(const SoakConfig& config) {
  SoakReport report;
  Control* const control = map_control();
  if (control == nullptr) {
    report.error = std::string("cannot map the shared block: ") + std::strerror(errno);
    return report;
  }
  int fds[2];
  if (pp_pipe2(fds, PP_O_SHARED) != 0) {
    report.error = std::string("pp_pipe2(PP_O_SHARED) failed: ") + std::strerror(errno);
    unmap_control(control);
    return report;
  }
  if (pp_fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(config.pipe_size)) < 0) {
    report.error = std::string("F_SETPIPE_SZ failed: ") + std::strerror(errno);
  }
  const pid_t reader = report.error.empty() ? fork_child([&] {
    (void)pp_close(fds[1]);
    return reader_main(*control, fds[0]);
  })
                                            : -1;
  (void)pp_close(fds[0]);
  Supervisor sup(config, *control, fds[1], report);
  if (report.error.empty() && reader < 0) sup.fail("fork failed");
  for (unsigned i = 0; report.error.empty() && i < config.writers; ++i) (void)sup.start_writer();

  const auto t0 = Clock::now();
  auto next_kill = t0 + config.kill_interval;
  auto next_progress = t0 + std::chrono::seconds(1);
  while (report.error.empty()) {
    const std::uint64_t read = control->bytes_read.load(std::memory_order_relaxed);
    if (read >= config.bytes && report.kills >= config.min_kills) break;
    const auto now = Clock::now();
    if (now - t0 > config.timeout) {
      sup.fail("the soak ran past its timeout");
      break;
    }
    int status = 0;
    if (::waitpid(reader, &status, WNOHANG) == reader) {
      sup.fail(describe_exit("reader", 0, status) + " before the end");
      break;
    }
    if (!sup.writers_running()) break;
    if (now >= next_kill) {
      if (!sup.kill_one()) break;
      next_kill += config.kill_interval;
    }
    if (config.progress && now >= next_progress) {
      print_progress(report, read, std::chrono::duration<double>(now - t0).count());
      next_progress += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(kPoll);
  }

  control->stop.store(true);
  (void)pp_close(fds[1]);
  sup.stop_writers();
  if (reader > 0) {
    int status = 0;
    if (!reap_within(reader, kStopBound, status)) {
      sup.fail("the reader saw no EOF within 20 s of the stop; killed");
    } else if (!control->reader_done.load()) {
      sup.fail(describe_exit("reader", 0, status));
    }
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (control->reader_done.load()) settle(*control, sup.ids_used(), report);
  unmap_control(control);
  return report;
}

}  // namespace pipepool::shared_soak
