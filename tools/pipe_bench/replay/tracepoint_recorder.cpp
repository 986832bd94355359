#include "pipe_bench/replay/tracepoint_recorder.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <thread>

#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/kernel_pages/perf_events.hpp"
#include "pipe_bench/kernel_pages/pipe_page_filter.hpp"
#include "pipe_bench/replay/perf_ring.hpp"
#include "pipe_bench/replay/syscall_events.hpp"
#include "pipe_bench/replay/syscall_follower.hpp"

namespace pipe_bench::replay {
namespace {

constexpr std::size_t kRingPages = 2048;  // 8 MiB per CPU

struct Setup {
  SyscallLayout layout;
  std::string filter;
  std::string alloc_filter;  // kmem:mm_page_alloc's, pipe pages only
  std::string error;
};

// The formats, the field layout and the kernel-side filter on the followed syscalls.
Setup prepare(const std::string& root) {
  Setup s;
  s.error = kernel_pages::ensure_events_dir(root);
  if (!s.error.empty()) return s;
  kernel_pages::TracepointFormat enter;
  kernel_pages::TracepointFormat exit;
  s.error = kernel_pages::read_tracepoint_format(root, "raw_syscalls", "sys_enter", enter);
  if (s.error.empty()) {
    s.error = kernel_pages::read_tracepoint_format(root, "raw_syscalls", "sys_exit", exit);
  }
  if (s.error.empty()) s.error = syscall_layout(enter, exit, s.layout);
  kernel_pages::TracepointFormat alloc;
  if (s.error.empty()) {
    s.error = kernel_pages::read_tracepoint_format(root, "kmem", "mm_page_alloc", alloc);
  }
  if (s.error.empty()) {
    const kernel_pages::FilterText f = kernel_pages::pipe_page_alloc_filter(alloc);
    s.error = f.error;
    s.alloc_filter = f.filter;
    s.layout.page_alloc_id = alloc.id;
  }
  for (const long nr : followed_syscalls()) {
    s.filter += fmt::format("{}id == {}", s.filter.empty() ? "" : " || ", nr);
  }
  return s;
}

perf_event_attr attr_for(std::uint64_t id, bool task_records) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = id;
  attr.sample_period = 1;
  attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
  attr.disabled = 1;
  attr.inherit = 1;
  attr.task = task_records ? 1 : 0;
  attr.context_switch = task_records ? 1 : 0;  // PERF_RECORD_SWITCH: when a blocked call ran again
  attr.sample_id_all = 1;
  attr.use_clockid = 1;
  attr.clockid = CLOCK_MONOTONIC;
  attr.watermark = 1;
  attr.wakeup_watermark = static_cast<std::uint32_t>(kRingPages * 4096 / 4);
  return attr;
}

// Both tracepoints and the pipe-page allocations on one CPU, the others' records sent to the
// enter event's buffer.
struct CpuEvents {
  int enter_fd = -1;
  int exit_fd = -1;
  int alloc_fd = -1;
  std::unique_ptr<PerfRing> ring;
  ~CpuEvents() {
    ring.reset();
    if (alloc_fd >= 0) ::close(alloc_fd);
    if (exit_fd >= 0) ::close(exit_fd);
    if (enter_fd >= 0) ::close(enter_fd);
  }
};

std::string open_cpu(const Setup& s, pid_t pid, int cpu, CpuEvents& out) {
  perf_event_attr enter = attr_for(s.layout.enter_id, true);
  out.enter_fd = kernel_pages::open_perf_event(enter, pid, cpu);
  if (out.enter_fd < 0) return kernel_pages::perf_open_error("raw_syscalls:sys_enter", errno);
  perf_event_attr exit = attr_for(s.layout.exit_id, false);
  out.exit_fd = kernel_pages::open_perf_event(exit, pid, cpu);
  if (out.exit_fd < 0) return kernel_pages::perf_open_error("raw_syscalls:sys_exit", errno);
  perf_event_attr alloc = attr_for(*s.layout.page_alloc_id, false);
  out.alloc_fd = kernel_pages::open_perf_event(alloc, pid, cpu);
  if (out.alloc_fd < 0) return kernel_pages::perf_open_error("kmem:mm_page_alloc", errno);
  for (const int fd : {out.enter_fd, out.exit_fd}) {
    if (::ioctl(fd, PERF_EVENT_IOC_SET_FILTER, s.filter.c_str()) != 0) {
      return fmt::format("raw_syscalls rejected the syscall filter: {}", std::strerror(errno));
    }
  }
  if (::ioctl(out.alloc_fd, PERF_EVENT_IOC_SET_FILTER, s.alloc_filter.c_str()) != 0) {
    return fmt::format("kmem:mm_page_alloc rejected the filter: {}", std::strerror(errno));
  }
  std::string error;
  out.ring = std::make_unique<PerfRing>(out.enter_fd, kRingPages, error);
  if (!error.empty()) return error;
  for (const int fd : {out.exit_fd, out.alloc_fd}) {
    if (::ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, out.enter_fd) != 0) {
      return fmt::format("cannot join the events' buffers: {}", std::strerror(errno));
    }
  }
  return {};
}

// The stopped child's descriptors, from /proc.
std::vector<InitialFd> initial_fds(pid_t pid) {
  std::vector<InitialFd> out;
  const std::string dir = fmt::format("/proc/{}/fd", pid);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* entry = ::readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    InitialFd f;
    f.fd = std::atoi(entry->d_name);
    char target[256] = {};
    const ssize_t n =
        ::readlink(fmt::format("{}/{}", dir, entry->d_name).c_str(), target, sizeof(target) - 1);
    const std::string_view link(target, n > 0 ? static_cast<std::size_t>(n) : 0);
    if (link.starts_with("pipe:[")) f.pipe_inode = std::strtoull(target + 6, nullptr, 10);
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", pid, entry->d_name));
    std::string key;
    while (info >> key) {
      if (key != "flags:") continue;
      std::string octal;
      info >> octal;
      const unsigned long flags = std::strtoul(octal.c_str(), nullptr, 8);
      f.write_end = (flags & O_ACCMODE) == O_WRONLY;
      f.cloexec = (flags & O_CLOEXEC) != 0;
      break;
    }
    out.push_back(f);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const InitialFd& a, const InitialFd& b) { return a.fd < b.fd; });
  return out;
}

// CPUs taken offline have "0" in their `online` file (cpu0 often has none: always online).
bool cpu_online(int cpu) {
  std::ifstream in(fmt::format("/sys/devices/system/cpu/cpu{}/online", cpu));
  int online = 1;
  return !(in >> online) || online != 0;
}

int wait_for(pid_t pid, int options) {
  int status = 0;
  while (::waitpid(pid, &status, options) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// Collects the decoded events of every CPU's buffer while the command runs.
class Collector {
 public:
  Collector(std::vector<std::unique_ptr<CpuEvents>>& cpus, const SyscallLayout& layout)
      : cpus_(cpus), layout_(layout) {}

  void start() {
    thread_ = std::thread([this] {
      std::vector<pollfd> fds;
      for (auto& c : cpus_) fds.push_back({c->enter_fd, POLLIN, 0});
      while (!done_.load(std::memory_order_acquire)) {
        (void)::poll(fds.data(), fds.size(), 20);
        drain();
      }
      drain();
    });
  }
  void stop() {
    done_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }

  std::vector<TraceEvent> events;
  std::uint64_t lost = 0;
  std::uint64_t throttled = 0;
  std::uint64_t malformed = 0;

 private:
  void drain() {
    for (auto& c : cpus_) {
      c->ring->drain([this](std::span<const std::byte> record) {
        const DecodedRecord r = decode_record(record, layout_);
        lost += r.lost;
        throttled += r.throttled ? 1 : 0;
        malformed += r.malformed ? 1 : 0;
        if (r.event) events.push_back(*r.event);
      });
    }
  }

  std::vector<std::unique_ptr<CpuEvents>>& cpus_;
  const SyscallLayout& layout_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

std::string tracepoints_unavailable(const std::string& tracefs_root) {
  const Setup s = prepare(tracefs_root);
  if (!s.error.empty()) return s.error;
  CpuEvents probe;
  perf_event_attr attr = attr_for(s.layout.enter_id, false);
  attr.inherit = 0;
  probe.enter_fd = kernel_pages::open_perf_event(attr, 0, -1);
  if (probe.enter_fd < 0) return kernel_pages::perf_open_error("raw_syscalls:sys_enter", errno);
  return {};
}

RecordOutcome record_with_tracepoints(const std::vector<std::string>& command,
                                      const std::string& tracefs_root, std::FILE* err) {
  RecordOutcome out;
  const Setup setup = prepare(tracefs_root);
  if (!setup.error.empty()) {
    out.error = setup.error;
    return out;
  }
  std::vector<char*> args;
  for (const auto& a : command) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    out.error = fmt::format("fork failed: {}", std::strerror(errno));
    return out;
  }
  if (pid == 0) {
    ::raise(SIGSTOP);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "pipe_bench: cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  const int stopped = wait_for(pid, WUNTRACED);
  if (stopped < 0 || !WIFSTOPPED(stopped)) {
    out.error = "the command's process did not stop before exec";
    if (stopped >= 0 && !WIFEXITED(stopped) && !WIFSIGNALED(stopped)) ::kill(pid, SIGKILL);
    return out;
  }
  const std::vector<InitialFd> initial = initial_fds(pid);

  std::vector<std::unique_ptr<CpuEvents>> cpus;
  const long ncpu = ::sysconf(_SC_NPROCESSORS_CONF);
  for (int cpu = 0; cpu < ncpu && out.error.empty(); ++cpu) {
    if (!cpu_online(cpu)) continue;
    auto c = std::make_unique<CpuEvents>();
    out.error = open_cpu(setup, pid, cpu, *c);
    cpus.push_back(std::move(c));
  }
  kernel_pages::OpenedCounters counters;
  if (out.error.empty()) counters = kernel_pages::open_kernel_page_counters(tracefs_root, pid);
  for (auto& c : cpus) {
    if (!out.error.empty()) break;
    if (::ioctl(c->enter_fd, PERF_EVENT_IOC_ENABLE, 0) != 0 ||
        ::ioctl(c->exit_fd, PERF_EVENT_IOC_ENABLE, 0) != 0 ||
        ::ioctl(c->alloc_fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
      out.error = fmt::format("cannot enable the syscall events: {}", std::strerror(errno));
    }
  }
  if (!out.error.empty()) {
    ::kill(pid, SIGKILL);
    (void)wait_for(pid, 0);
    return out;
  }

  Collector collector(cpus, setup.layout);
  collector.start();
  ::kill(pid, SIGCONT);
  const int status = wait_for(pid, 0);
  std::string stop_error;
  kernel_pages::PageCounts counts;
  if (counters.counters) counts = counters.counters->stop(stop_error);
  collector.stop();

  if (collector.lost > 0 || collector.throttled > 0) {
    out.error = fmt::format(
        "the kernel dropped syscall events ({} lost, {} throttled; {} MiB ring buffer per CPU): "
        "the recording would have gaps, nothing written",
        collector.lost, collector.throttled, kRingPages * 4096 >> 20);
    return out;
  }
  const int exit_code = status < 0            ? -1
                        : WIFEXITED(status)   ? WEXITSTATUS(status)
                        : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                              : -1;
  if (exit_code != 0) {
    std::fprintf(err, "pipe_bench: --record: the command exited with %d\n", exit_code);
  }

  auto& events = collector.events;
  std::stable_sort(events.begin(), events.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.time < b.time; });
  SyscallFollower follower(pid, initial);
  for (const TraceEvent& e : events) follower.event(e);
  FollowedCalls followed = follower.finish();

  Recording rec;
  rec.command = shell_quote(command);
  rec.recorder = "tracepoints";
  rec.calls = std::move(followed.calls);
  rec.warnings = std::move(followed.warnings);
  if (collector.malformed > 0) rec.warnings["malformed ring-buffer records"] = collector.malformed;
  if (!counters.counters) {
    rec.kernel.unavailable = counters.unavailable;
  } else if (!stop_error.empty()) {
    rec.kernel.unavailable = stop_error;
  } else {
    rec.kernel.allocs = counts.allocs;
    rec.kernel.frees = counts.frees;
  }
  out.summary = fmt::format(
      "{} syscalls followed from {} events; of the kernel's pipe-page allocations {} were made "
      "in recorded writes to pipes, {} elsewhere; {} short reads placed before writes they did "
      "not see",
      followed.syscalls, events.size(), followed.allocs_in_pipe_writes, followed.allocs_elsewhere,
      followed.short_reads_moved);
  out.recording = std::move(rec);
  return out;
}

}  // namespace pipe_bench::replay
