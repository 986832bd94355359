// The syscall-shaped C API (pipepool/posix.h) over PipeEnd and the descriptor table.
//
// Each call returns what the Linux syscall returns for a pipe, checked against the kernel by the
// tests/posix_*_test.cpp suites. Checks run in the kernel's order: descriptor (EBADF), access
// mode (EBADF), arguments (EINVAL), user memory (EFAULT), then the pipe itself.
//
// User memory: the kernel's access_ok() rejects a range that wraps or ends beyond the user
// address space (EFAULT) up front; pipepool checks the same range limit here. Everything else
// about bad buffers happens in the copy, as in the kernel: the pipe's copy stops at a segment
// based in the first page of the address space (NULL included) and the pipe turns that short
// copy into the kernel's result (internal/iov_cursor.hpp). Any other unmapped pointer crashes
// the caller instead of failing with EFAULT.
//
// Not modelled: signal-driven I/O (F_SETFL O_ASYNC fails with EINVAL, FIOASYNC on with ENOTTY),
// F_GETOWN/F_SETOWN/F_*SIG/leases/locks (EINVAL), notification pipes (pipe2 O_NOTIFICATION_PIPE
// fails with ENOPKG, as on a kernel built without CONFIG_WATCH_QUEUE).
#include "pipepool/posix.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "internal/fd_table.hpp"
#include "internal/pipe_core.hpp"
#include "internal/poll_wait.hpp"
#include "internal/shared_pipe.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/pipe.hpp"

namespace pipepool {
namespace {

using internal::FdTable;
using internal::SharedEnd;

// MAX_RW_COUNT: one read or write moves at most INT_MAX rounded down to a page.
constexpr std::size_t kMaxRwCount = static_cast<std::size_t>(INT_MAX) & ~(kPageSize - 1);
// O_NOTIFICATION_PIPE of the kernel's uapi (O_EXCL).
constexpr int kNotificationPipe = O_EXCL;
constexpr int kPipe2Flags = O_CLOEXEC | O_NONBLOCK | O_DIRECT | kNotificationPipe | PP_O_SHARED;

// The highest address access_ok() accepts as the end of a user range.
#if defined(__x86_64__)
constexpr std::uintptr_t kUserPtrMax = 0x00007ffffffff000ULL - 1;  // 4-level paging
#elif defined(__aarch64__)
constexpr std::uintptr_t kUserPtrMax = (std::uintptr_t{1} << 48) - 1;
#else
constexpr std::uintptr_t kUserPtrMax = UINTPTR_MAX >> 1;
#endif

template <typename T>
T fail(int e) noexcept {
  errno = e;
  return static_cast<T>(-1);
}

// access_ok(): the range [ptr, ptr + len) neither wraps nor leaves the user address space.
bool user_range_ok(const void* ptr, std::size_t len) noexcept {
  const auto start = reinterpret_cast<std::uintptr_t>(ptr);
  const std::uintptr_t end = start + len;
  return end >= start && end <= kUserPtrMax;
}

int nofile_limit() noexcept {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > static_cast<rlim_t>(INT_MAX)) {
    return INT_MAX;
  }
  return static_cast<int>(rl.rlim_cur);
}

// CAP_SYS_RESOURCE in the effective set: lets F_SETPIPE_SZ grow beyond pipe-max-size.
bool has_sys_resource() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (syscall(SYS_capget, &header, data.data()) != 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE)) != 0;
}

ssize_t finish(const IoResult& r) noexcept {
  if (!r.ok()) return fail<ssize_t>(r.error.value());
  return static_cast<ssize_t>(r.count);
}

// PipeEnd::read / write without their up-front EFAULT check (the caller has checked the side):
// a bad buffer fails in the pipe's copy, after the pipe's state, as in the kernel.
ssize_t transfer(PipeEnd& end, std::span<const iovec> iov) noexcept {
  if (end.is_writer()) return finish(end.write_unchecked(iov));
  return finish(end.pipe().read(iov, (end.flags() & O_NONBLOCK) != 0));
}

// A validated iovec array, truncated to kMaxRwCount bytes in total as import_iovec does.
class IovArgs {
 public:
  // Returns 0 or the errno of the kernel's checks: EINVAL for a bad count or a negative length,
  // EFAULT for a NULL array or a segment outside user space, ENOMEM.
  int init(const iovec* iov, int iovcnt) noexcept {
    if (iovcnt < 0 || static_cast<std::size_t>(iovcnt) > kMaxIov) return EINVAL;
    if (iovcnt == 0) return 0;
    if (iov == nullptr) return EFAULT;
    const std::size_t n = static_cast<std::size_t>(iovcnt);
    for (std::size_t i = 0; i < n; ++i) {
      if (static_cast<ssize_t>(iov[i].iov_len) < 0) return EINVAL;
    }
    bool truncate = false;
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!user_range_ok(iov[i].iov_base, iov[i].iov_len)) return EFAULT;
      if (iov[i].iov_len > kMaxRwCount - total) truncate = true;
      total += std::min(iov[i].iov_len, kMaxRwCount - total);
    }
    if (!truncate) {
      iov_ = {iov, n};
      return 0;
    }
    try {
      owned_.reserve(n);
    } catch (const std::bad_alloc&) {
      return ENOMEM;
    }
    std::size_t left = kMaxRwCount;
    for (std::size_t i = 0; i < n && left != 0; ++i) {
      const std::size_t len = std::min(iov[i].iov_len, left);
      owned_.push_back({iov[i].iov_base, len});
      left -= len;
    }
    iov_ = owned_;
    return 0;
  }

  [[nodiscard]] std::span<const iovec> iov() const noexcept { return iov_; }

 private:
  std::span<const iovec> iov_{};
  std::vector<iovec> owned_;
};

// The errno of a call on a descriptor get() did not find: EINVAL for a shared pipe's descriptor
// (the calls that take only ordinary pipes: pp_event_fd, pp_vmsplice, pp_splice, pp_tee), EIO for
// one inherited across fork (the pipe lives in the parent; failing is loud where EBADF would look
// like a closed descriptor, and EAGAIN or success would lose data silently), else EBADF.
int missing_errno(int fd) noexcept {
  if (FdTable::global().get_shared(fd)) return EINVAL;
  return FdTable::global().inherited(fd) ? EIO : EBADF;
}

// The end open at `fd`, or nullptr with errno set by missing_errno().
std::shared_ptr<PipeEnd> lookup(int fd) noexcept {
  std::shared_ptr<PipeEnd> end = FdTable::global().get(fd);
  if (!end) errno = missing_errno(fd);
  return end;
}

// The end open at `fd` for reading (writer == false) or writing, or nullptr with errno = EBADF
// (EIO for an inherited descriptor).
std::shared_ptr<PipeEnd> end_for(int fd, bool writer) noexcept {
  std::shared_ptr<PipeEnd> end = lookup(fd);
  if (end && end->is_writer() != writer) {
    errno = EBADF;
    return nullptr;
  }
  return end;
}

// A count, or -errno, as the shared pipes' calls return it.
template <typename T>
T shared_result(long r) noexcept {
  return r < 0 ? fail<T>(static_cast<int>(-r)) : static_cast<T>(r);
}

// The shared pipe's end open at `fd` for reading (writer == false) or writing, or nullptr with
// errno unchanged when `fd` holds no shared end (EBADF for the wrong side; EIO when detached).
std::shared_ptr<SharedEnd> shared_end_for(int fd, bool writer) noexcept {
  std::shared_ptr<SharedEnd> end = FdTable::global().get_shared(fd);
  if (end && end->is_writer() != writer) {
    errno = EBADF;
    return nullptr;
  }
  return end;
}

// As transfer(), for a shared pipe.
ssize_t shared_transfer(SharedEnd& end, std::span<const iovec> iov) noexcept {
  return shared_result<ssize_t>(end.is_writer() ? end.write(iov) : end.read(iov));
}

ssize_t rw(int fd, const void* buf, std::size_t count, bool writer) noexcept {
  std::shared_ptr<PipeEnd> end = end_for(fd, writer);
  std::shared_ptr<SharedEnd> shared = end ? nullptr : shared_end_for(fd, writer);
  if (!end && !shared) return -1;
  if (!user_range_ok(buf, count)) return fail<ssize_t>(EFAULT);
  if (count == 0) return 0;
  count = std::min(count, kMaxRwCount);
  const iovec v{const_cast<void*>(buf), count};
  if (shared) return shared_transfer(*shared, {&v, 1});
  return transfer(*end, {&v, 1});
}

ssize_t rwv(int fd, const iovec* iov, int iovcnt, bool writer) noexcept {
  std::shared_ptr<PipeEnd> end = end_for(fd, writer);
  std::shared_ptr<SharedEnd> shared = end ? nullptr : shared_end_for(fd, writer);
  if (!end && !shared) return -1;
  IovArgs args;
  if (const int e = args.init(iov, iovcnt); e != 0) return fail<ssize_t>(e);
  if (shared) return shared_transfer(*shared, args.iov());
  return transfer(*end, args.iov());
}

// An enum field of pp_options as the int a C caller stored: any value may be there, and loading
// one outside the enumerators as the C++ enum type would be undefined.
template <typename E>
int raw_enum(const E& field) noexcept {
  static_assert(sizeof(E) == sizeof(int));
  int v;
  std::memcpy(&v, &field, sizeof v);
  return v;
}

// pp_options resolution: explicit fields, else the environment, else the defaults.
std::optional<PolicyKind> resolve_policy(int p) noexcept {
  switch (p) {
    case PP_POLICY_LEGACY:
      return PolicyKind::legacy;
    case PP_POLICY_PREALLOC:
      return PolicyKind::prealloc;
    case PP_POLICY_UNIFIED:
      return PolicyKind::unified;
    case PP_POLICY_SHRINKER:
      return PolicyKind::shrinker;
    case PP_POLICY_DEFAULT: {
      const char* env = std::getenv("PIPEPOOL_POLICY");
      if (env == nullptr || *env == '\0') return PolicyKind::unified;
      return parse_policy_kind(env);
    }
  }
  return std::nullopt;
}

std::optional<AllocatorKind> resolve_allocator(int a) noexcept {
  switch (a) {
    case PP_ALLOCATOR_OS:
      return AllocatorKind::os;
    case PP_ALLOCATOR_HEAP:
      return AllocatorKind::heap;
    case PP_ALLOCATOR_MODEL:
      return AllocatorKind::model;
    case PP_ALLOCATOR_DEFAULT: {
      const char* env = std::getenv("PIPEPOOL_ALLOCATOR");
      if (env == nullptr || *env == '\0') return AllocatorKind::os;
      return parse_allocator_kind(env);
    }
  }
  return std::nullopt;
}

std::optional<CopyMode> resolve_copy(int c) noexcept {
  switch (c) {
    case PP_COPY_KERNEL:
      return CopyMode::kernel;
    case PP_COPY_PARALLEL:
      return CopyMode::parallel;
    case PP_COPY_DEFAULT:
      return default_copy_mode();
  }
  return std::nullopt;
}

// A pool size field of pp_options: 0 means the default.
unsigned pool_size_or(unsigned field, unsigned fallback) noexcept {
  return field == 0 ? fallback : field;
}

// Returns 0 or the errno for options that name no policy, allocator or copy mode, or give invalid
// pool sizes.
int pipe_options(int flags, const pp_options* opts, PipeOptions& out) noexcept {
  const pp_options none{};
  const pp_options& o = opts ? *opts : none;
  const std::optional<PolicyKind> policy = resolve_policy(raw_enum(o.policy));
  const std::optional<AllocatorKind> allocator = resolve_allocator(raw_enum(o.allocator));
  const std::optional<CopyMode> copy = resolve_copy(raw_enum(o.copy));
  if (!policy || !allocator || !copy) return EINVAL;
  const PoolSizes defaults;
  out.pool_sizes.legacy_cache = pool_size_or(o.legacy_cache, defaults.legacy_cache);
  out.pool_sizes.keep = pool_size_or(o.pool_keep, defaults.keep);
  out.pool_sizes.max = pool_size_or(o.pool_max, defaults.max);
  if (validate(out.pool_sizes)) return EINVAL;
  out.copy = *copy;
  out.policy = *policy;
  out.allocator.kind = *allocator;
  out.allocator.model.alloc_cost_ns = o.model_alloc_cost_ns;
  out.allocator.model.free_cost_ns = o.model_free_cost_ns;
  out.allocator.model.fail_nth = o.model_fail_nth;
  out.allocator.model.fail_every = o.model_fail_every;
  out.nonblocking = (flags & O_NONBLOCK) != 0;
  out.packet = (flags & O_DIRECT) != 0;
  out.no_sigpipe = o.no_sigpipe != 0;
  return 0;
}

// F_DUPFD's minimum is a pipepool descriptor number; any value below the base (the kernel's
// numbers) means the base. As in the kernel, the argument is unsigned (a negative one is huge)
// and a minimum at or beyond RLIMIT_NOFILE, counted from the base, fails with EINVAL.
template <typename End>
int dupfd(const std::shared_ptr<End>& end, unsigned from, bool cloexec) noexcept {
  FdTable& table = FdTable::global();
  const int limit = nofile_limit();
  const auto base = static_cast<unsigned>(table.base());
  const unsigned index = from < base ? 0 : from - base;
  if (index >= static_cast<unsigned>(limit)) return fail<int>(EINVAL);
  const int fd = table.install(end, cloexec, static_cast<int>(base + index), limit);
  if (fd < 0) return fail<int>(-fd);
  return fd;
}

int setfl(PipeEnd& end, int arg) noexcept {
  if (arg & O_ASYNC) return fail<int>(EINVAL);  // no SIGIO delivery
  end.set_flags(arg & ~O_ACCMODE);
  return 0;
}

int set_pipe_size(PipeEnd& end, int arg) noexcept {
  // The kernel reads the argument as an unsigned int.
  const auto requested = static_cast<unsigned>(arg);
  const SizeResult r = end.pipe().set_size(requested, has_sys_resource());
  if (!r.ok()) return fail<int>(r.error.value());
  return static_cast<int>(r.size);
}

// A pointer to an int argument of an ioctl, or nullptr with errno = EFAULT.
int* int_arg(void* arg) noexcept {
  if (arg == nullptr || !user_range_ok(arg, sizeof(int))) {
    errno = EFAULT;
    return nullptr;
  }
  return static_cast<int*>(arg);
}

// One pass of poll over `fds`: fills revents, returns how many are non-zero.
int poll_once(pollfd* fds, nfds_t nfds) noexcept {
  int ready = 0;
  for (nfds_t i = 0; i < nfds; ++i) {
    pollfd& p = fds[i];
    short revents = 0;
    if (p.fd >= 0) {
      const std::shared_ptr<PipeEnd> end = FdTable::global().get(p.fd);
      const std::shared_ptr<SharedEnd> shared = end ? nullptr : FdTable::global().get_shared(p.fd);
      if (shared) {
        revents = static_cast<short>(shared->poll() & (p.events | POLLHUP | POLLERR));
      } else if (!end) {
        // An inherited descriptor is an error condition (reported whatever the events), so a
        // poller does not wait on a pipe it cannot use.
        revents = FdTable::global().inherited(p.fd) ? POLLERR : POLLNVAL;
      } else {
        const short filter = static_cast<short>(p.events | POLLHUP | POLLERR);
        revents = static_cast<short>(end->pipe().poll(end->is_writer()) & filter);
      }
    }
    p.revents = revents;
    if (revents != 0) ++ready;
  }
  return ready;
}

// How often pp_poll looks again at a shared pipe: another process's change does not wake it.
constexpr std::chrono::milliseconds kSharedPollSlice{10};

bool any_shared(const pollfd* fds, nfds_t nfds) noexcept {
  for (nfds_t i = 0; i < nfds; ++i) {
    if (fds[i].fd >= 0 && FdTable::global().get_shared(fds[i].fd)) return true;
  }
  return false;
}

// pp_pipe_opts with PP_O_SHARED, after the common checks (`options`). Only the legacy policy over
// the pipe's own arena, in the kernel copy mode, without packet mode: anything else is EINVAL.
int shared_pipe(int flags, const pp_options* opts, const PipeOptions& options,
                int out[2]) noexcept {
  const pp_options none{};
  const pp_options& o = opts ? *opts : none;
  const int policy = raw_enum(o.policy);
  const int copy = raw_enum(o.copy);
  if (policy != PP_POLICY_DEFAULT && policy != PP_POLICY_LEGACY) return EINVAL;
  if (raw_enum(o.allocator) != PP_ALLOCATOR_DEFAULT) return EINVAL;
  if (copy != PP_COPY_DEFAULT && copy != PP_COPY_KERNEL) return EINVAL;
  if (flags & O_DIRECT) return EINVAL;
  internal::SharedConfig config;
  config.cache = options.pool_sizes.legacy_cache;
  config.nonblocking = options.nonblocking;
  config.sigpipe = !options.no_sigpipe;
  std::shared_ptr<SharedEnd> reader;
  std::shared_ptr<SharedEnd> writer;
  if (const int e = internal::make_shared_pipe(config, reader, writer); e != 0) return e;
  const int r = FdTable::global().install_pair(std::move(reader), std::move(writer),
                                               (flags & O_CLOEXEC) != 0, nofile_limit(), out);
  return r < 0 ? -r : 0;
}

// fcntl on a shared pipe's end (the descriptor-level commands are the caller's).
int shared_fcntl(const std::shared_ptr<SharedEnd>& end, int cmd, int arg) noexcept {
  switch (cmd) {
    case F_DUPFD:
      return dupfd(end, static_cast<unsigned>(arg), false);
    case F_DUPFD_CLOEXEC:
      return dupfd(end, static_cast<unsigned>(arg), true);
    case F_GETFL:
      return end->flags();
    case F_SETFL:
      return shared_result<int>(end->set_flags(arg & ~O_ACCMODE));
    case F_GETPIPE_SZ:
      return shared_result<int>(end->size());
    case F_SETPIPE_SZ:
      return shared_result<int>(end->set_size(static_cast<unsigned>(arg)));
    default:
      return fail<int>(EINVAL);
  }
}

}  // namespace
}  // namespace pipepool

using pipepool::FdTable;

extern "C" {

int pp_pipe(int fds[2]) {
  return pp_pipe_opts(fds, 0, nullptr);
}

int pp_pipe2(int fds[2], int flags) {
  return pp_pipe_opts(fds, flags, nullptr);
}

int pp_pipe_opts(int fds[2], int flags, const struct pp_options* opts) {
  using namespace pipepool;
  if (flags & ~kPipe2Flags) return fail<int>(EINVAL);
  if (flags & kNotificationPipe) return fail<int>(ENOPKG);
  PipeOptions options;
  if (const int e = pipe_options(flags, opts, options); e != 0) return fail<int>(e);
  int out[2];
  FdTable& table = FdTable::global();
  if (flags & PP_O_SHARED) {
    if (const int e = shared_pipe(flags, opts, options, out); e != 0) return fail<int>(e);
  } else {
    PipePair pair = make_pipe(options);
    if (!pair.ok()) return fail<int>(pair.error.value());
    const int r = table.install_pair(pair.reader.end(), pair.writer.end(), (flags & O_CLOEXEC) != 0,
                                     nofile_limit(), out);
    if (r < 0) return fail<int>(-r);
  }
  if (fds == nullptr) {  // the kernel reserves the descriptors before it copies them out
    std::shared_ptr<PipeEnd> read_end;
    std::shared_ptr<PipeEnd> write_end;
    (void)table.remove(out[0], read_end);
    (void)table.remove(out[1], write_end);
    return fail<int>(EFAULT);
  }
  fds[0] = out[0];
  fds[1] = out[1];
  return 0;
}

ssize_t pp_read(int fd, void* buf, size_t count) {
  return pipepool::rw(fd, buf, count, false);
}

ssize_t pp_write(int fd, const void* buf, size_t count) {
  return pipepool::rw(fd, buf, count, true);
}

ssize_t pp_readv(int fd, const struct iovec* iov, int iovcnt) {
  return pipepool::rwv(fd, iov, iovcnt, false);
}

ssize_t pp_writev(int fd, const struct iovec* iov, int iovcnt) {
  return pipepool::rwv(fd, iov, iovcnt, true);
}

int pp_close(int fd) {
  std::shared_ptr<pipepool::PipeEnd> end;
  if (const int r = FdTable::global().remove(fd, end); r < 0) return pipepool::fail<int>(-r);
  end.reset();  // closes that side if this was its last descriptor and nobody is in a call
  return 0;
}

int pp_dup(int fd) {
  const std::shared_ptr<pipepool::PipeEnd> end = pipepool::lookup(fd);
  if (end) return pipepool::dupfd(end, 0, false);
  if (const auto shared = FdTable::global().get_shared(fd))
    return pipepool::dupfd(shared, 0, false);
  return -1;
}

int pp_fcntl(int fd, int cmd, ...) {
  using namespace pipepool;
  const std::shared_ptr<PipeEnd> end = lookup(fd);
  const std::shared_ptr<SharedEnd> shared = end ? nullptr : FdTable::global().get_shared(fd);
  if (!end && !shared) return -1;
  int arg = 0;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_SETFD:
    case F_SETFL:
    case F_SETPIPE_SZ: {
      va_list ap;
      va_start(ap, cmd);
      arg = va_arg(ap, int);
      va_end(ap);
      break;
    }
    default:
      break;
  }
  if (shared && cmd != F_GETFD && cmd != F_SETFD) return shared_fcntl(shared, cmd, arg);
  switch (cmd) {
    case F_DUPFD:
      return dupfd(end, static_cast<unsigned>(arg), false);
    case F_DUPFD_CLOEXEC:
      return dupfd(end, static_cast<unsigned>(arg), true);
    case F_GETFD: {
      const int on = FdTable::global().cloexec(fd);
      if (on < 0) return fail<int>(EBADF);  // closed (or closed and reopened) meanwhile
      return on ? FD_CLOEXEC : 0;
    }
    case F_SETFD:
      if (!FdTable::global().set_cloexec(fd, (arg & FD_CLOEXEC) != 0)) return fail<int>(EBADF);
      return 0;
    case F_GETFL:
      return end->flags();
    case F_SETFL:
      return setfl(*end, arg);
    case F_GETPIPE_SZ:
      return static_cast<int>(end->pipe().size());
    case F_SETPIPE_SZ:
      return set_pipe_size(*end, arg);
    default:
      return fail<int>(EINVAL);
  }
}

int pp_ioctl(int fd, unsigned long request, ...) {
  using namespace pipepool;
  const std::shared_ptr<PipeEnd> end = lookup(fd);
  const std::shared_ptr<SharedEnd> shared = end ? nullptr : FdTable::global().get_shared(fd);
  if (!end && !shared) return -1;
  // The kernel takes the request as an unsigned int.
  const auto req = static_cast<unsigned>(request);
  if (req == FIOCLEX || req == FIONCLEX) {
    if (!FdTable::global().set_cloexec(fd, req == FIOCLEX)) return fail<int>(EBADF);
    return 0;
  }
  if (req != FIONREAD && req != FIONBIO && req != FIOASYNC) return fail<int>(ENOTTY);
  va_list ap;
  va_start(ap, request);
  int* const arg = int_arg(va_arg(ap, void*));
  va_end(ap);
  if (arg == nullptr) return -1;
  switch (req) {
    case FIONREAD:
      *arg = static_cast<int>(shared ? shared->bytes_available() : end->pipe().bytes_available());
      return 0;
    case FIONBIO: {
      if (shared) return shared_result<int>(shared->set_flags(*arg ? O_NONBLOCK : 0));
      const int flags = end->flags() & ~O_ACCMODE;
      end->set_flags(*arg ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
      return 0;
    }
    default:                               // FIOASYNC
      if (*arg) return fail<int>(ENOTTY);  // no SIGIO delivery
      return 0;
  }
}

int pp_event_fd(int fd) {
  using namespace pipepool;
  const std::shared_ptr<PipeEnd> end = lookup(fd);
  if (!end) return -1;
  const FdResult r = end->event_fd();
  if (!r.ok()) return fail<int>(r.error.value());
  return r.fd;
}

int pp_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  using namespace pipepool;
  if (nfds > static_cast<nfds_t>(nofile_limit())) return fail<int>(EINVAL);
  if (nfds != 0 && fds == nullptr) return fail<int>(EFAULT);
  const int ready = poll_once(fds, nfds);
  if (ready != 0 || timeout_ms == 0) return ready;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const bool slices = any_shared(fds, nfds);
  internal::PollScope scope;  // registered before the next check: no change is missed
  for (;;) {
    const std::uint32_t seen = scope.seq();
    const int n = poll_once(fds, nfds);
    if (n != 0) return n;
    using Wake = internal::PollScope::Wake;
    Wake wake;
    if (slices) {
      const auto slice = std::chrono::steady_clock::now() + kSharedPollSlice;
      const bool last = timeout_ms >= 0 && deadline <= slice;
      wake = scope.wait(seen, last ? deadline : slice);
      if (wake == Wake::timed_out && !last) continue;
    } else {
      wake = timeout_ms < 0 ? scope.wait(seen) : scope.wait(seen, deadline);
    }
    if (wake == Wake::timed_out) return poll_once(fds, nfds);
    if (wake == Wake::interrupted) {
      // As the kernel's do_poll: one more pass, then EINTR when nothing is ready. poll(2) is
      // never restarted, even for a handler installed with SA_RESTART.
      const int ready = poll_once(fds, nfds);
      return ready != 0 ? ready : fail<int>(EINTR);
    }
  }
}

}  // extern "C"

// vmsplice / splice / tee. Checks in the kernel's order: flags (EINVAL), then descriptors (EBADF),
// then for splice an offset on a pipe (ESPIPE) before the access modes (EBADF), then the same pipe
// on both sides (EINVAL). splice with len 0 returns 0 before any check; tee checks its flags first.
// An inherited descriptor fails with EIO, as every call does. The C++ handle calls
// (handles_splice.cpp) then apply the blocking and SIGPIPE rules.
extern "C" {

ssize_t pp_vmsplice(int fd, const struct iovec* iov, size_t nr_segs, unsigned int flags) {
  using namespace pipepool;
  if ((flags & ~kSpliceFlags) != 0) return fail<ssize_t>(EINVAL);
  const std::shared_ptr<PipeEnd> end = lookup(fd);
  if (!end) return -1;
  if (nr_segs > kMaxIov) return fail<ssize_t>(EINVAL);
  IovArgs args;
  if (const int e = args.init(iov, static_cast<int>(nr_segs)); e != 0) return fail<ssize_t>(e);
  if (end->is_writer()) return finish(Writer(end).vmsplice(args.iov(), flags));
  return finish(Reader(end).vmsplice(args.iov(), flags));
}

ssize_t pp_splice(int fd_in, __off64_t* off_in, int fd_out, __off64_t* off_out, size_t len,
                  unsigned int flags) {
  using namespace pipepool;
  if (len == 0) return 0;
  if ((flags & ~kSpliceFlags) != 0) return fail<ssize_t>(EINVAL);
  const std::shared_ptr<PipeEnd> in = lookup(fd_in);
  if (!in) return -1;
  const std::shared_ptr<PipeEnd> out = lookup(fd_out);
  if (!out) return -1;
  if (off_in != nullptr || off_out != nullptr) return fail<ssize_t>(ESPIPE);
  if (in->is_writer() || !out->is_writer()) return fail<ssize_t>(EBADF);
  return finish(splice(Reader(in), Writer(out), len, flags));
}

ssize_t pp_tee(int fd_in, int fd_out, size_t len, unsigned int flags) {
  using namespace pipepool;
  if ((flags & ~kSpliceFlags) != 0) return fail<ssize_t>(EINVAL);
  if (len == 0) return 0;
  const std::shared_ptr<PipeEnd> in = lookup(fd_in);
  if (!in) return -1;
  const std::shared_ptr<PipeEnd> out = lookup(fd_out);
  if (!out) return -1;
  if (in->is_writer() || !out->is_writer()) return fail<ssize_t>(EBADF);
  return finish(tee(Reader(in), Writer(out), len, flags));
}

}  // extern "C"
