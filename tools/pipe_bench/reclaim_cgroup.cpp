#include "pipe_bench/reclaim_cgroup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "pipe_bench/cgroup_location.hpp"
#include "pipe_bench/page_cache_child.hpp"
#include "pipe_bench/signals.hpp"

namespace pipe_bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// VmRSS of this process, in bytes (0 if unreadable).
std::uint64_t own_rss_bytes() {
  const auto status = read_text_file("/proc/self/status");
  if (!status) return 0;
  const auto at = status->find("VmRSS:");
  if (at == std::string::npos) return 0;
  return std::strtoull(status->c_str() + at + 6, nullptr, 10) * 1024;
}

// Writes `text` to an existing file (a cgroup control file). False with errno set on failure.
bool write_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  errno = err;
  return n == static_cast<ssize_t>(text.size());
}

std::string exit_text(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {}{}", WTERMSIG(status),
                       WTERMSIG(status) == SIGKILL ? " (the OOM killer, or another process)" : "");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) return "could not join the cgroup";
  return fmt::format("exit status {}", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

}  // namespace

std::unique_ptr<ReclaimCgroup> ReclaimCgroup::start(const ReclaimSpec& spec, std::string& error,
                                                    const std::atomic<bool>* cancel) {
  std::string why;
  const auto where = locate_memory_cgroup(why);
  if (!where) {
    error = "no memory cgroup can be made here: " + why;
    return nullptr;
  }
  std::unique_ptr<ReclaimCgroup> cg(new ReclaimCgroup());
  cg->version_ = where->version;
  cg->restore_dir_ = where->own_dir;
  cg->cache_dir_ = spec.cache_dir;
  cg->limit_ = spec.limit_bytes != 0
                   ? spec.limit_bytes
                   : own_rss_bytes() + spec.working_set_bytes + spec.headroom_bytes;
  cg->limit_ = (cg->limit_ + 4095) / 4096 * 4096;
  cg->file_bytes_ = 2 * cg->limit_;
  cg->dir_ = fmt::format("{}/pipe_bench-{}", where->parent_dir, ::getpid());
  std::string fs_type;
  const int file = open_cache_file(spec.cache_dir, cg->file_bytes_, fs_type, why);
  if (file < 0) {
    error = "page-cache file: " + why;
    return nullptr;
  }
  if (::mkdir(cg->dir_.c_str(), 0755) != 0) {
    error = fmt::format("cannot create the cgroup {}: {}", cg->dir_, std::strerror(errno));
    ::close(file);
    return nullptr;
  }
  cg->created_ = true;
  set_emergency_cgroup(cg->dir_, cg->restore_dir_ + "/cgroup.procs", 0);
  const std::string limit_file = cg->version_ == 2 ? "memory.max" : "memory.limit_in_bytes";
  if (!write_file(cg->dir_ + "/" + limit_file, std::to_string(cg->limit_))) {
    error = fmt::format("cannot set {}/{}: {}", cg->dir_, limit_file, std::strerror(errno));
    ::close(file);
    return nullptr;  // the destructor removes the cgroup
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    error = fmt::format("pipe2 failed: {}", std::strerror(errno));
    ::close(file);
    return nullptr;
  }
  const std::string procs = cg->dir_ + "/cgroup.procs";
  const std::string usage =
      cg->dir_ + (cg->version_ == 2 ? "/memory.current" : "/memory.usage_in_bytes");
  CacheChildArgs args;
  args.file_fd = file;
  args.file_bytes = cg->file_bytes_;
  args.procs_path = procs.c_str();
  args.usage_path = usage.c_str();
  args.limit = cg->limit_;
  args.ready_fd = ready[1];
  args.parent = ::getpid();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = fmt::format("fork failed: {}", std::strerror(errno));
    ::close(file);
    ::close(ready[0]);
    ::close(ready[1]);
    return nullptr;
  }
  if (pid == 0) {
    ::close(ready[0]);
    run_cache_child(args);
  }
  ::setpgid(pid, pid);
  cg->child_ = pid;
  set_emergency_cgroup(cg->dir_, cg->restore_dir_ + "/cgroup.procs", pid);
  ::close(file);  // the child's descriptor keeps the unlinked file
  ::close(ready[1]);
  // Wait for the first pass through the file: the cgroup is then at its limit.
  const auto deadline = Clock::now() + spec.fill_timeout;
  bool filled = false;
  while (!filled) {
    if (cancel != nullptr && cancel->load()) {
      error = "interrupted";
      break;
    }
    if (Clock::now() >= deadline) {
      error = fmt::format("the page-cache child did not fill the cgroup within {} s",
                          spec.fill_timeout.count() / 1000);
      break;
    }
    pollfd p{ready[0], POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char byte = 0;
      if (::read(ready[0], &byte, 1) == 1) {
        filled = true;
      } else {
        std::string dead;
        error = cg->cache_child_running(dead) ? "the page-cache child closed its pipe"
                                              : "the page-cache child " + dead;
        break;
      }
    }
  }
  ::close(ready[0]);
  if (!filled) return nullptr;
  cg->settle(deadline, cancel);
  if (spec.idle_probe.count() > 0 && (cancel == nullptr || !cancel->load())) {
    const ReclaimCounters before = cg->read();
    std::this_thread::sleep_for(spec.idle_probe);
    cg->idle_ = reclaim_delta(before, cg->read());
    cg->idle_s_ = std::chrono::duration<double>(spec.idle_probe).count();
  }
  if (cancel != nullptr && cancel->load()) {
    error = "interrupted";
    return nullptr;
  }
  if (!write_file(procs, std::to_string(::getpid()))) {
    error = fmt::format("cannot move pipe_bench into {}: {}", cg->dir_, std::strerror(errno));
    return nullptr;
  }
  cg->moved_ = true;
  return cg;
}

std::optional<std::string> ReclaimCgroup::unavailable(const ReclaimSpec& spec) {
  std::string why;
  const auto where = locate_memory_cgroup(why);
  if (!where) return "no memory cgroup can be made here: " + why;
  if (::access(where->parent_dir.c_str(), W_OK) != 0) {
    return fmt::format("cannot create a cgroup in {}: {}", where->parent_dir, std::strerror(errno));
  }
  if (::access(spec.cache_dir.c_str(), W_OK) != 0) {
    return fmt::format("page-cache file: cannot write to {}: {}", spec.cache_dir,
                       std::strerror(errno));
  }
  if (cache_dir_is_memory_fs(spec.cache_dir)) {
    return fmt::format("page-cache file: {} is on tmpfs/ramfs, not reclaimable without swap",
                       spec.cache_dir);
  }
  return std::nullopt;
}

void ReclaimCgroup::settle(std::chrono::steady_clock::time_point deadline,
                           const std::atomic<bool>* cancel) const {
  constexpr auto kQuiet = std::chrono::milliseconds(200);
  ReclaimCounters last = read();
  while (Clock::now() < deadline && (cancel == nullptr || !cancel->load())) {
    std::this_thread::sleep_for(kQuiet);
    const ReclaimCounters now = read();
    ReclaimCounters d = reclaim_delta(last, now);
    d.vm_pgscan_direct = d.vm_pgsteal_direct = d.vm_allocstall = std::nullopt;  // machine-wide
    if (!reclaim_caused(d)) return;
    last = now;
  }
}

void ReclaimCgroup::forget_child() const {
  if (created_) set_emergency_cgroup(dir_, restore_dir_ + "/cgroup.procs", 0);
}

ReclaimCgroup::~ReclaimCgroup() {
  std::string ignored;
  stop(ignored);
}

ReclaimCounters ReclaimCgroup::read() const {
  return read_reclaim_counters(dir_, source() + " + /proc/vmstat");
}

std::string ReclaimCgroup::source() const {
  return fmt::format("cgroup v{} {}", version_, dir_);
}

bool ReclaimCgroup::cache_child_running(std::string& why) {
  if (child_ > 0 && !child_reaped_ && ::waitpid(child_, &child_status_, WNOHANG) == child_) {
    child_reaped_ = true;
    forget_child();
  }
  if (!child_reaped_) return true;
  why = fmt::format("(pid {}) exited: {}", child_, exit_text(child_status_));
  return false;
}

std::string ReclaimCgroup::usage_note() const {
  const auto peak_file = version_ == 2 ? "/memory.peak" : "/memory.max_usage_in_bytes";
  auto text = read_text_file(dir_ + peak_file);
  const char* what = "peaked at";
  if (!text) {
    text = read_text_file(dir_ + (version_ == 2 ? "/memory.current" : "/memory.usage_in_bytes"));
    what = "is";
  }
  const auto bytes = text ? parse_single(*text) : std::nullopt;
  if (!bytes) return fmt::format("usage of its {} limit unknown", mib(limit_));
  return fmt::format("usage {} {} of its {} limit", what, mib(*bytes), mib(limit_));
}

bool ReclaimCgroup::stop(std::string& error) noexcept {
  bool ok = true;
  try {
    if (moved_) {
      if (!write_file(restore_dir_ + "/cgroup.procs", std::to_string(::getpid()))) {
        error = fmt::format("cannot move back to {}: {}", restore_dir_, std::strerror(errno));
        ok = false;
      }
      moved_ = false;
    }
    if (child_ > 0 && !child_reaped_) {
      ::kill(child_, SIGKILL);
      while (::waitpid(child_, &child_status_, 0) < 0 && errno == EINTR) {
      }
      child_reaped_ = true;
      forget_child();
    }
    if (created_) {
      created_ = false;
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      while (::rmdir(dir_.c_str()) != 0) {
        if (errno != EBUSY || Clock::now() >= deadline) {
          error = fmt::format("cannot remove the cgroup {}: {}", dir_, std::strerror(errno));
          ok = false;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  } catch (...) {
    ok = false;
  }
  clear_emergency_cgroup();
  return ok;
}

}  // namespace pipe_bench
