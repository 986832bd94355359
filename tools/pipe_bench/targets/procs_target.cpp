#include "pipe_bench/targets/procs_target.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "pipe_bench/io_loops.hpp"
#include "pipe_bench/targets/kernel_pipe.hpp"
#include "pipe_bench/workload.hpp"

namespace pipe_bench {
namespace {

constexpr auto kPoll = std::chrono::microseconds(200);
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(20);

// Lives in a MAP_SHARED mapping: the parent and every child see the same bytes.
struct Control {
  std::atomic<std::uint32_t> ready{0};
  std::atomic<std::uint32_t> go{0};
  std::atomic<bool> stop{false};
  std::int64_t go_ns = 0;  // steady clock at the start; written before `go`
};

constexpr std::size_t align_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

// Control, then the writers' tallies, then the readers', each suitably aligned.
class SharedBlock {
 public:
  SharedBlock(unsigned writers, unsigned readers)
      : writers_offset_(align_up(sizeof(Control), alignof(WriterTally))),
        readers_offset_(
            align_up(writers_offset_ + writers * sizeof(WriterTally), alignof(ReaderTally))),
        bytes_(readers_offset_ + readers * sizeof(ReaderTally)) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<std::byte*>(p);
    new (base_) Control{};
    for (unsigned i = 0; i < writers; ++i) new (&writer(i)) WriterTally{};
    for (unsigned i = 0; i < readers; ++i) new (&reader(i)) ReaderTally{};
  }
  ~SharedBlock() {
    if (base_ != nullptr) ::munmap(base_, bytes_);
  }
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;

  [[nodiscard]] bool ok() const noexcept { return base_ != nullptr; }
  [[nodiscard]] Control& control() const noexcept { return *reinterpret_cast<Control*>(base_); }
  [[nodiscard]] WriterTally& writer(unsigned i) const noexcept {
    return reinterpret_cast<WriterTally*>(base_ + writers_offset_)[i];
  }
  [[nodiscard]] ReaderTally& reader(unsigned i) const noexcept {
    return reinterpret_cast<ReaderTally*>(base_ + readers_offset_)[i];
  }

 private:
  std::size_t writers_offset_;
  std::size_t readers_offset_;
  std::size_t bytes_;
  std::byte* base_ = nullptr;
};

// In the child, right after fork().
void child_setup(pid_t parent) {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);  // the parent died before prctl
}

// False when stopped before the start.
bool child_wait_for_start(Control& control) {
  control.ready.fetch_add(1);
  while (control.go.load() == 0) {
    if (control.stop.load()) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

struct Child {
  pid_t pid = -1;
  bool writer = false;
  unsigned index = 0;
  int status = 0;
  bool reaped = false;
};

std::string describe_status(const Child& c) {
  const auto who = fmt::format("{} {}", c.writer ? "writer" : "reader", c.index);
  if (WIFSIGNALED(c.status)) {
    return fmt::format("{} process killed by signal {}", who, WTERMSIG(c.status));
  }
  return fmt::format("{} process exited with status {}", who, WEXITSTATUS(c.status));
}

// Reaps the given children, waiting at most `timeout`; SIGKILLs those still running then.
// Returns false on timeout.
bool reap(std::vector<Child>& children, bool writers, std::chrono::nanoseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    bool pending = false;
    for (auto& c : children) {
      if (c.reaped || c.writer != writers) continue;
      const pid_t r = ::waitpid(c.pid, &c.status, WNOHANG);
      if (r == c.pid || (r < 0 && errno == ECHILD)) {
        c.reaped = true;
      } else {
        pending = true;
      }
    }
    if (!pending) return true;
    if (Clock::now() >= deadline) {
      for (auto& c : children) {
        if (!c.reaped) ::kill(c.pid, SIGKILL);
      }
      for (auto& c : children) {
        if (!c.reaped) ::waitpid(c.pid, &c.status, 0);
        c.reaped = true;
      }
      return false;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

class ProcsTarget final : public ProcessesTarget {
 public:
  explicit ProcsTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "kernel-procs"; }
  std::string_view allocator_label() const noexcept override { return "kernel"; }

  OpenResult open() override {
    return open_kernel_pipe(config_, name(),
                            [](int r, int w) { return std::make_unique<FdEndpoints>(r, w); });
  }

 private:
  TargetConfig config_;
};

}  // namespace

RunAttempt ProcessesTarget::run(const WorkloadConfig& config) {
  OpenResult opened = open();
  if (!opened.endpoints) return {std::nullopt, std::move(opened.error), opened.exit_code};
  return {run_processes(name(), *opened.endpoints, config), {}, 0};
}

WorkloadResult run_processes(std::string_view target, Endpoints& endpoints,
                             const WorkloadConfig& config) {
  WorkloadResult result;
  SharedBlock block(config.writers, config.readers);
  std::unique_ptr<Ledger> ledger = config.verify ? Ledger::create(config.writers) : nullptr;
  if (!block.ok() || (config.verify && !ledger)) {
    result.error = fmt::format("{}: cannot map shared memory: {}", target, std::strerror(errno));
    return result;
  }
  Control& control = block.control();
  const pid_t parent = ::getpid();
  std::vector<Child> children;
  std::string fork_error;

  const auto spawn = [&](bool writer, unsigned index) {
    std::fflush(nullptr);  // no buffered output duplicated into the child
    const pid_t pid = ::fork();
    if (pid < 0) {
      fork_error = fmt::format("{}: fork failed: {}", target, std::strerror(errno));
      return false;
    }
    if (pid > 0) {
      children.push_back({pid, writer, index});
      return true;
    }
    child_setup(parent);
    if (writer) {
      endpoints.close_reader();
      if (!child_wait_for_start(control)) ::_exit(0);
      WriterJob job;
      job.stop = &control.stop;
      job.msg_size = config.msg_size;
      job.rate = config.rate;
      job.start = Clock::time_point(std::chrono::nanoseconds(control.go_ns));
      job.verify = config.verify;
      job.writer = index;
      WriterTally& tally = block.writer(index);
      run_writer(endpoints, job, tally);
      if (tally.failure.failed) control.stop.store(true);
    } else {
      endpoints.close_writer();
      if (!child_wait_for_start(control)) ::_exit(0);
      ReaderTally& tally = block.reader(index);
      run_reader(endpoints, config.msg_size, ledger.get(), tally);
      if (tally.failure.failed) control.stop.store(true);
    }
    // Closed before _exit: an end that lives in shared memory (procs) counts as closed at once,
    // not when another process notices this one is gone.
    endpoints.close_writer();
    endpoints.close_reader();
    ::_exit(0);
  };

  bool spawned = true;
  for (unsigned i = 0; spawned && i < config.readers; ++i) spawned = spawn(false, i);
  for (unsigned i = 0; spawned && i < config.writers; ++i) spawned = spawn(true, i);
  // The children hold their own copies; the parent keeps neither end, so that the readers see EOF
  // when the last writer exits and the writers see EPIPE if every reader is gone.
  endpoints.close_writer();
  endpoints.close_reader();

  const auto start_deadline = Clock::now() + kStartTimeout;
  while (spawned && control.ready.load() < children.size() && Clock::now() < start_deadline) {
    std::this_thread::sleep_for(kPoll);
  }
  if (!spawned || control.ready.load() < children.size()) {
    control.stop.store(true);
    reap(children, true, std::chrono::seconds(0));
    reap(children, false, std::chrono::seconds(0));
    result.error =
        spawned ? fmt::format("{}: children did not start within 10 s", target) : fork_error;
    return result;
  }

  const auto t0 = Clock::now();
  control.go_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count();
  control.go.store(1);
  const auto deadline = t0 + config.duration;
  while (!control.stop.load()) {
    if (config.cancel != nullptr && config.cancel->load(std::memory_order_relaxed)) {
      result.cancelled = true;
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
  control.stop.store(true);
  const bool writers_done = reap(children, true, kStopTimeout);
  const bool readers_done = reap(children, false, kStopTimeout);

  std::int64_t last_stop = control.go_ns;
  std::vector<std::uint64_t> sent;
  for (unsigned i = 0; i < config.writers; ++i) {
    const WriterTally& tally = block.writer(i);
    result.writes += tally.writes;
    result.bytes_written += tally.bytes;
    result.latency.merge(tally.latency);
    sent.push_back(tally.writes);
    last_stop = std::max(last_stop, tally.stop_ns);
    if (tally.failure.failed && result.error.empty()) result.error = describe(tally.failure);
  }
  for (unsigned i = 0; i < config.readers; ++i) {
    const ReaderTally& tally = block.reader(i);
    result.bytes_read += tally.bytes;
    if (tally.failure.failed && result.error.empty()) result.error = describe(tally.failure);
  }
  result.elapsed_s = static_cast<double>(last_stop - control.go_ns) / 1e9;
  if (result.error.empty() && (!writers_done || !readers_done)) {
    result.error = fmt::format("{}: children did not stop within 20 s; killed", target);
  }
  for (const auto& c : children) {
    if (result.error.empty() && !(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0)) {
      result.error = fmt::format("{}: {}", target, describe_status(c));
    }
  }
  finish_result(result, ledger.get(), sent);
  result.pipe_stats = endpoints.stats();
  return result;
}

std::unique_ptr<Target> make_procs_target(const TargetConfig& config) {
  return std::make_unique<ProcsTarget>(config);
}

}  // namespace pipe_bench
