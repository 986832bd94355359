#include "pipe_bench/replay/syscall_follower.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "pipe_bench/replay/short_reads.hpp"

namespace pipe_bench::replay {
namespace {

// Flag values of the kernel's user ABI (include/uapi), spelled here so that no two uapi headers
// that disagree need including together.
constexpr std::uint64_t kCloexec = O_CLOEXEC;       // also SOCK_, EFD_, TFD_, IN_, SFD_, EPOLL_
constexpr std::uint64_t kOneCloexec = 0x1;          // FAN_, MFD_, FSOPEN_, FSMOUNT_, FSPICK_
constexpr std::uint64_t kPerfFdCloexec = 1UL << 3;  // PERF_FLAG_FD_CLOEXEC
constexpr std::uint64_t kCloseRangeUnshare = 1U << 1;
constexpr std::uint64_t kCloseRangeCloexec = 1U << 2;
constexpr std::uint64_t kFdCloexec = FD_CLOEXEC;

constexpr const char* kUnknownFd = "a call on a descriptor the table does not hold";
constexpr const char* kWrongEnd = "a read on a pipe's write end or a write on its read end";
constexpr const char* kNotLowest = "a new descriptor was not the lowest free one in the table";
constexpr const char* kBadfOnOpen = "EBADF on a descriptor the table holds";
constexpr const char* kClone3 =
    "clone3: flags not visible; a new thread taken to share its table, a process to copy it";
constexpr const char* kUnseenStart = "a task whose start was not seen (empty table assumed)";

int fd_arg(std::uint64_t arg) {
  return static_cast<int>(static_cast<std::uint32_t>(arg));
}

bool is_fd_maker(long nr, const std::array<std::uint64_t, 6>& a, bool& cloexec) {
  switch (nr) {
#ifdef SYS_open
    case SYS_open:
      cloexec = a[1] & kCloexec;
      return true;
#endif
#ifdef SYS_creat
    case SYS_creat:
#endif
#ifdef SYS_epoll_create
    case SYS_epoll_create:
#endif
#ifdef SYS_inotify_init
    case SYS_inotify_init:
#endif
#ifdef SYS_eventfd
    case SYS_eventfd:
#endif
    case SYS_accept:
      cloexec = false;
      return true;
    case SYS_openat:
    case SYS_open_by_handle_at:
      cloexec = a[2] & kCloexec;
      return true;
    case SYS_socket:
      cloexec = a[1] & kCloexec;
      return true;
    case SYS_accept4:
      cloexec = a[3] & kCloexec;
      return true;
    case SYS_eventfd2:
    case SYS_timerfd_create:
      cloexec = a[1] & kCloexec;
      return true;
    case SYS_epoll_create1:
    case SYS_inotify_init1:
    case SYS_userfaultfd:
    case SYS_memfd_secret:
      cloexec = a[0] & kCloexec;
      return true;
    case SYS_signalfd4:
      if (static_cast<int>(a[0]) != -1) return false;  // changes an existing signalfd
      cloexec = a[3] & kCloexec;
      return true;
#ifdef SYS_signalfd
    case SYS_signalfd:
      if (static_cast<int>(a[0]) != -1) return false;
      cloexec = false;
      return true;
#endif
    case SYS_fanotify_init:
      cloexec = a[0] & kOneCloexec;
      return true;
    case SYS_memfd_create:
    case SYS_fsopen:
    case SYS_fsmount:
      cloexec = a[1] & kOneCloexec;
      return true;
    case SYS_fspick:
      cloexec = a[2] & kOneCloexec;
      return true;
    case SYS_open_tree:
      cloexec = a[2] & kCloexec;
      return true;
    case SYS_perf_event_open:
      cloexec = a[4] & kPerfFdCloexec;
      return true;
    case SYS_pidfd_open:
    case SYS_pidfd_getfd:
    case SYS_io_uring_setup:
    case SYS_mq_open:
      cloexec = true;
      return true;
    default:
      return false;
  }
}

// Calls that may make descriptors without returning them, or whose flags are out of sight.
const char* hidden_maker(long nr, std::int64_t ret) {
  switch (nr) {
    case SYS_recvmsg:
    case SYS_recvmmsg:
      return ret >= 0 ? "recvmsg/recvmmsg: descriptors passed with SCM_RIGHTS are not followed"
                      : nullptr;
    case SYS_bpf:
      return ret > 0 ? "bpf: a returned descriptor is not followed" : nullptr;
    case SYS_seccomp:
      return ret > 0 ? "seccomp: a listener descriptor is not followed" : nullptr;
    case SYS_landlock_create_ruleset:
      return ret > 0 ? "landlock_create_ruleset: a returned descriptor is not followed" : nullptr;
    case SYS_openat2:
      return ret >= 0 ? "openat2: flags not visible; the descriptor taken as not close-on-exec"
                      : nullptr;
    default:
      return nullptr;
  }
}

}  // namespace

std::vector<long> followed_syscalls() {
  std::vector<long> out = {
      SYS_read,
      SYS_write,
      SYS_readv,
      SYS_writev,
      SYS_splice,
      SYS_tee,
      SYS_vmsplice,
      SYS_fcntl,
      SYS_close,
      SYS_close_range,
      SYS_dup,
      SYS_dup3,
      SYS_pipe2,
      SYS_socketpair,
      SYS_clone,
      SYS_clone3,
      SYS_execve,
      SYS_execveat,
      SYS_unshare,
      SYS_openat,
      SYS_open_by_handle_at,
      SYS_socket,
      SYS_accept,
      SYS_accept4,
      SYS_eventfd2,
      SYS_timerfd_create,
      SYS_epoll_create1,
      SYS_inotify_init1,
      SYS_userfaultfd,
      SYS_memfd_secret,
      SYS_signalfd4,
      SYS_fanotify_init,
      SYS_memfd_create,
      SYS_fsopen,
      SYS_fsmount,
      SYS_fspick,
      SYS_open_tree,
      SYS_perf_event_open,
      SYS_pidfd_open,
      SYS_pidfd_getfd,
      SYS_io_uring_setup,
      SYS_mq_open,
      SYS_recvmsg,
      SYS_recvmmsg,
      SYS_bpf,
      SYS_seccomp,
      SYS_landlock_create_ruleset,
      SYS_openat2,
#ifdef SYS_open
      SYS_open,
#endif
#ifdef SYS_creat
      SYS_creat,
#endif
#ifdef SYS_pipe
      SYS_pipe,
#endif
#ifdef SYS_dup2
      SYS_dup2,
#endif
#ifdef SYS_fork
      SYS_fork,
#endif
#ifdef SYS_vfork
      SYS_vfork,
#endif
#ifdef SYS_epoll_create
      SYS_epoll_create,
#endif
#ifdef SYS_inotify_init
      SYS_inotify_init,
#endif
#ifdef SYS_eventfd
      SYS_eventfd,
#endif
#ifdef SYS_signalfd
      SYS_signalfd,
#endif
  };
  std::sort(out.begin(), out.end());
  return out;
}

SyscallFollower::SyscallFollower(int first_tid, const std::vector<InitialFd>& initial)
    : tables_([this](std::uint64_t pipe) {
        if (created_.erase(pipe) == 0) return;  // a pipe from outside may still be open there
        PipeCall c;
        c.pipe = pipe;
        c.kind = CallKind::release;
        emit(now_, c);
      }) {
  tables_.touch(first_tid);
  std::map<std::uint64_t, std::uint64_t> ids;  // inode -> pipe id
  for (const InitialFd& f : initial) {
    Descriptor d;
    d.write_end = f.write_end;
    d.cloexec = f.cloexec;
    if (f.pipe_inode) {
      auto [it, inserted] = ids.try_emplace(*f.pipe_inode, 0);
      if (inserted) it->second = new_pipe();
      d.pipe = it->second;
    }
    tables_.open(first_tid, f.fd, d);
  }
}

std::uint64_t SyscallFollower::new_pipe() {
  return next_pipe_++;
}

void SyscallFollower::event(const TraceEvent& e) {
  now_ = e.time;
  if (e.kind == TraceEventKind::sleep || e.kind == TraceEventKind::switch_in) {
    switched(e);
    return;
  }
  if (e.kind != TraceEventKind::fork && e.kind != TraceEventKind::page_alloc &&
      !tables_.known(e.tid)) {
    if (e.kind == TraceEventKind::task_exit) return;
    warn(kUnseenStart);
    tables_.touch(e.tid);
  }
  switch (e.kind) {
    case TraceEventKind::enter:
      enter(e);
      break;
    case TraceEventKind::exit:
      exit(e);
      break;
    case TraceEventKind::fork:
      fork(e);
      break;
    case TraceEventKind::task_exit:
      pending_.erase(e.tid);
      tables_.exit(e.tid);
      break;
    case TraceEventKind::page_alloc:
      ++(in_pipe_write(e.tid) ? out_.allocs_in_pipe_writes : out_.allocs_elsewhere);
      break;
    case TraceEventKind::sleep:
    case TraceEventKind::switch_in:
      break;
  }
}

std::optional<std::uint64_t> SyscallFollower::written_pipe(const Pending& p) {
  if (p.nr == SYS_write || p.nr == SYS_writev || p.nr == SYS_vmsplice) {
    return p.first ? p.first->pipe : std::nullopt;
  }
  if (p.nr == SYS_splice && p.second && !(p.first && p.first->pipe)) return p.second->pipe;
  return std::nullopt;
}

void SyscallFollower::switched(const TraceEvent& e) {
  const auto it = pending_.find(e.tid);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  const std::optional<std::uint64_t> pipe = written_pipe(p);
  if (!pipe) return;
  if (e.kind == TraceEventKind::sleep) {
    p.asleep = true;
  } else if (p.asleep) {
    p.asleep = false;
    p.slept = true;
    resume(*pipe, e.time);
  }
}

void SyscallFollower::resume(std::uint64_t pipe, std::uint64_t time) {
  PipeCall c;
  c.pipe = pipe;
  c.kind = CallKind::resume;
  emit(time, c);
}

bool SyscallFollower::in_pipe_write(int tid) const {
  const auto it = pending_.find(tid);
  if (it == pending_.end()) return false;
  const Pending& p = it->second;
  if (p.nr == SYS_write || p.nr == SYS_writev || p.nr == SYS_vmsplice) {
    return p.first && p.first->pipe;
  }
  if (p.nr == SYS_splice || p.nr == SYS_tee) return p.second && p.second->pipe;
  return false;
}

void SyscallFollower::enter(const TraceEvent& e) {
  Pending p;
  p.nr = e.nr;
  p.args = e.args;
  p.time = e.time;
  p.first = tables_.get(e.tid, fd_arg(e.args[0]));
  if (e.nr == SYS_splice) p.second = tables_.get(e.tid, fd_arg(e.args[2]));
  if (e.nr == SYS_tee) p.second = tables_.get(e.tid, fd_arg(e.args[1]));
  pending_[e.tid] = p;
}

void SyscallFollower::exit(const TraceEvent& e) {
  auto it = pending_.find(e.tid);
  if (it == pending_.end() || it->second.nr != e.nr) return;  // began before the recording
  const Pending p = it->second;
  pending_.erase(it);
  ++out_.syscalls;
  syscall(e.tid, p, e.ret, e.time);
  // A write that slept has all its bytes in the pipe when it returns.
  if (p.slept && e.ret > 0) {
    if (const auto pipe = written_pipe(p)) resume(*pipe, e.time);
  }
}

void SyscallFollower::fork(const TraceEvent& e) {
  if (!tables_.known(e.parent_tid)) {
    warn(kUnseenStart);
    tables_.touch(e.parent_tid);
  }
  const bool thread = e.pid == e.parent_pid;
  bool share = thread;
  auto it = pending_.find(e.parent_tid);
  const long nr = it == pending_.end() ? -1 : static_cast<long>(it->second.nr);
  if (nr == SYS_clone) {
    share = (it->second.args[0] & CLONE_FILES) != 0;
#ifdef SYS_fork
  } else if (nr == SYS_fork) {
    share = false;
#endif
#ifdef SYS_vfork
  } else if (nr == SYS_vfork) {
    share = false;
#endif
  } else {
    warn(kClone3);
  }
  tables_.fork(e.parent_tid, e.tid, share);
}

void SyscallFollower::io(int tid, const Pending& p, std::int64_t ret, CallKind kind,
                         std::uint64_t requested, std::uint64_t time) {
  if (!p.first) {
    if (ret != -EBADF) warn(kUnknownFd);
    return;
  }
  if (ret == -EBADF) warn(kBadfOnOpen);
  if (!p.first->pipe) return;
  const bool reads = kind == CallKind::read || kind == CallKind::splice_out;
  const bool writes = kind == CallKind::write || kind == CallKind::vmsplice;
  if (ret > 0 && ((reads && p.first->write_end) || (writes && !p.first->write_end))) {
    warn(kWrongEnd);
  }
  (void)tid;
  PipeCall c;
  c.pipe = *p.first->pipe;
  c.kind = kind;
  c.requested = requested;
  c.result = ret;
  emit(time, c);
}

void SyscallFollower::made(int tid, std::int64_t ret, bool cloexec) {
  if (ret < 0 || ret > INT_MAX) return;
  const int fd = static_cast<int>(ret);
  if (tables_.lowest_free(tid, 1).front() != fd) warn(kNotLowest);
  tables_.open(tid, fd, Descriptor{std::nullopt, false, cloexec});
}

void SyscallFollower::copy(int tid, const Pending& p, int to, bool cloexec) {
  if (!p.first) warn(kUnknownFd);
  Descriptor d = p.first.value_or(Descriptor{});
  d.cloexec = cloexec;
  tables_.open(tid, to, d);
}

void SyscallFollower::syscall(int tid, const Pending& p, std::int64_t ret,
                              std::uint64_t exit_time) {
  const auto& a = p.args;
  const auto ureq = [&](std::uint64_t v) { return v; };
  const std::uint64_t moved = ret > 0 ? static_cast<std::uint64_t>(ret) : 0;
  bool cloexec = false;
  if (is_fd_maker(p.nr, a, cloexec)) {
    made(tid, ret, cloexec);
    return;
  }
  if (const char* why = hidden_maker(p.nr, ret)) {
    warn(why);
    if (p.nr == SYS_openat2) made(tid, ret, false);
    return;
  }
  switch (p.nr) {
    case SYS_read:
      io(tid, p, ret, CallKind::read, ureq(a[2]), exit_time);
      return;
    case SYS_readv:
      io(tid, p, ret, CallKind::read, moved, exit_time);
      return;
    case SYS_write:
      io(tid, p, ret, CallKind::write, ureq(a[2]), p.time);
      return;
    case SYS_writev:
      io(tid, p, ret, CallKind::write, moved, p.time);
      return;
    case SYS_vmsplice:
      io(tid, p, ret, CallKind::vmsplice, moved, p.time);
      return;
    case SYS_tee:
    case SYS_splice: {
      const bool splice = p.nr == SYS_splice;
      const std::uint64_t len = a[splice ? 4 : 2];
      if (!p.first || !p.second) {
        if (ret != -EBADF) warn(kUnknownFd);
        return;
      }
      if (p.first->pipe && p.second->pipe) {
        PipeCall c;
        c.pipe = *p.first->pipe;
        c.peer = *p.second->pipe;
        c.kind = splice ? CallKind::splice : CallKind::tee;
        c.requested = len;
        c.result = ret;
        emit(exit_time, c);
      } else if (splice && p.first->pipe) {
        io(tid, p, ret, CallKind::splice_out, len, exit_time);
      } else if (splice && p.second->pipe) {
        PipeCall c;
        c.pipe = *p.second->pipe;
        c.kind = CallKind::splice_in;
        c.requested = len;
        c.result = ret;
        emit(p.time, c);
      }
      return;
    }
    case SYS_fcntl: {
      const int cmd = static_cast<int>(a[1]);
      if (cmd == F_SETPIPE_SZ) {
        io(tid, p, ret, CallKind::set_size, a[2], exit_time);
      } else if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && ret >= 0) {
        copy(tid, p, static_cast<int>(ret), cmd == F_DUPFD_CLOEXEC);
      } else if (cmd == F_SETFD && ret == 0) {
        if (!p.first) warn(kUnknownFd);
        tables_.set_cloexec(tid, fd_arg(a[0]), (a[2] & kFdCloexec) != 0);
      }
      return;
    }
    case SYS_close:
      // Linux frees the descriptor even when close reports EINTR or EIO.
      if (ret == -EBADF) {
        if (p.first) warn(kBadfOnOpen);
      } else if (!p.first) {
        warn(kUnknownFd);
      }
      tables_.close(tid, fd_arg(a[0]));
      return;
    case SYS_close_range: {
      if (ret != 0) return;
      if (a[2] & kCloseRangeUnshare) tables_.unshare(tid);
      const auto clamp = [](std::uint64_t v) {
        return static_cast<int>(std::min<std::uint64_t>(v & 0xffffffffu, INT_MAX));
      };
      tables_.close_range(tid, clamp(a[0]), clamp(a[1]), (a[2] & kCloseRangeCloexec) != 0);
      return;
    }
    case SYS_dup:
      if (ret >= 0) {
        if (tables_.lowest_free(tid, 1).front() != ret) warn(kNotLowest);
        copy(tid, p, static_cast<int>(ret), false);
      }
      return;
#ifdef SYS_dup2
    case SYS_dup2:
#endif
    case SYS_dup3:
      if (ret >= 0 && fd_arg(a[0]) != fd_arg(a[1])) {
        copy(tid, p, fd_arg(a[1]), p.nr == SYS_dup3 && (a[2] & kCloexec) != 0);
      }
      return;
#ifdef SYS_pipe
    case SYS_pipe:
#endif
    case SYS_pipe2:
    case SYS_socketpair: {
      if (ret != 0) return;
      const std::vector<int> fds = tables_.lowest_free(tid, 2);
      if (p.nr == SYS_socketpair) {
        const bool ce = (a[1] & kCloexec) != 0;
        tables_.open(tid, fds[0], Descriptor{std::nullopt, false, ce});
        tables_.open(tid, fds[1], Descriptor{std::nullopt, false, ce});
        return;
      }
      const bool ce = p.nr == SYS_pipe2 && (a[1] & kCloexec) != 0;
      const std::uint64_t pipe = new_pipe();
      created_.insert(pipe);
      tables_.open(tid, fds[0], Descriptor{pipe, false, ce});
      tables_.open(tid, fds[1], Descriptor{pipe, true, ce});
      PipeCall c;
      c.pipe = pipe;
      c.kind = CallKind::create;
      emit(exit_time, c);
      return;
    }
    case SYS_execve:
    case SYS_execveat:
      if (ret == 0) tables_.exec(tid);
      return;
    case SYS_unshare:
      if (ret == 0 && (a[0] & CLONE_FILES) != 0) tables_.unshare(tid);
      return;
    default:
      return;
  }
}

FollowedCalls SyscallFollower::finish() {
  std::stable_sort(keyed_.begin(), keyed_.end(),
                   [](const Keyed& x, const Keyed& y) { return x.time < y.time; });
  for (const Keyed& k : keyed_) out_.calls.push_back(k.call);
  keyed_.clear();
  out_.short_reads_moved = place_short_reads(out_.calls);
  return std::move(out_);
}

}  // namespace pipe_bench::replay
