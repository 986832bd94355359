// PipeEnd: the open file of one pipe end (struct file): its side and status flags.
#include <fcntl.h>
#include <pthread.h>
#include <sys/types.h>

#include <cerrno>
#include <csignal>
#include <limits>

#include "internal/iov_cursor.hpp"
#include "internal/pipe_core.hpp"
#include "internal/readiness.hpp"

namespace pipepool {
namespace {

// Status flags F_SETFL may change on a pipe (the kernel's SETFL_MASK less O_ASYNC, which needs
// signal delivery that pipepool does not model).
constexpr int kSettableFlags = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;

// The C++ handles reject up front, with EFAULT, a segment the pipe's copy would fault on (see
// internal/iov_cursor.hpp), whatever the pipe's state. The C API does not come through here for
// reads and writes: it leaves the fault to the copy, where the kernel finds it.
bool iov_valid(std::span<const iovec> iov) noexcept {
  for (const iovec& v : iov) {
    if (v.iov_len != 0 && internal::faulting_base(v.iov_base)) return false;
  }
  return true;
}

// Whether the write that returned `r` stopped because `pipe` had no reader: it failed with
// EPIPE, or it stopped short of `iov` with no reader left. The kernel raises SIGPIPE in both
// cases; the short case also matches a write cut short by a full non-blocking pipe, or a fault,
// whose last reader closed right after, which the kernel would not signal.
bool no_reader(const IoResult& r, std::span<const iovec> iov, const Pipe& pipe) noexcept {
  if (!r.ok()) return r.error.value() == EPIPE;
  std::size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  return r.count < total && pipe.readers() == 0;
}

// The argument checks of the C API's readv/writev: EINVAL for more than kMaxIov segments, or
// for lengths whose total does not fit in ssize_t (a single such length included). Returns 0 or
// the errno.
int iov_args_error(std::span<const iovec> iov) noexcept {
  if (iov.size() > kMaxIov) return EINVAL;
  constexpr std::size_t kMaxTotal = static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());
  std::size_t total = 0;
  for (const iovec& v : iov) {
    if (v.iov_len > kMaxTotal - total) return EINVAL;
    total += v.iov_len;
  }
  return 0;
}

}  // namespace

PipeEnd::PipeEnd(std::shared_ptr<Pipe> pipe, bool writer, int flags, bool sigpipe) noexcept
    : pipe_(std::move(pipe)),
      writer_(writer),
      sigpipe_(sigpipe),
      status_flags_(flags & kSettableFlags) {
  pipe_->open_end(writer_);
}

PipeEnd::~PipeEnd() {
  pipe_->readiness().unwatch(*this);  // before the close, whose update must not sample this end
  pipe_->close_end(writer_);
}

FdResult PipeEnd::event_fd() const noexcept {
  const int fd = pipe_->readiness().watch(*pipe_, *this, writer_);
  if (fd < 0) return {-1, {-fd, std::generic_category()}};
  return {fd, {}};
}

IoResult PipeEnd::read(std::span<const iovec> iov) noexcept {
  if (writer_) return {0, {EBADF, std::generic_category()}};
  if (const int e = iov_args_error(iov); e != 0) return {0, {e, std::generic_category()}};
  if (!iov_valid(iov)) return {0, {EFAULT, std::generic_category()}};
  const int flags = status_flags_.load(std::memory_order_relaxed);
  return pipe_->read(iov, (flags & O_NONBLOCK) != 0);
}

IoResult PipeEnd::write(std::span<const iovec> iov) noexcept {
  if (!writer_) return {0, {EBADF, std::generic_category()}};
  if (const int e = iov_args_error(iov); e != 0) return {0, {e, std::generic_category()}};
  if (!iov_valid(iov)) return {0, {EFAULT, std::generic_category()}};
  return write_unchecked(iov);
}

IoResult PipeEnd::write_unchecked(std::span<const iovec> iov) noexcept {
  const int flags = status_flags_.load(std::memory_order_relaxed);
  const IoResult r = pipe_->write(iov, (flags & O_NONBLOCK) != 0, (flags & O_DIRECT) != 0);
  if (no_reader(r, iov, *pipe_)) raise_sigpipe();
  return r;
}

void PipeEnd::raise_sigpipe() const noexcept {
  if (sigpipe_) pthread_kill(pthread_self(), SIGPIPE);
}

int PipeEnd::flags() const noexcept {
  return (writer_ ? O_WRONLY : O_RDONLY) | status_flags_.load(std::memory_order_relaxed);
}

void PipeEnd::set_flags(int flags) noexcept {
  status_flags_.store(flags & kSettableFlags, std::memory_order_relaxed);
}

}  // namespace pipepool
