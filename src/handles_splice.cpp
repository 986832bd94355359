// vmsplice / splice / tee on the C++ handles, with the kernel's flag, blocking and SIGPIPE rules.
#include <fcntl.h>

#include <cerrno>

#include "internal/pipe_core.hpp"

namespace pipepool {
namespace {

IoResult error(int e) noexcept {
  return {0, {e, std::generic_category()}};
}

// splice and tee do not wait when the flag says so or either end is O_NONBLOCK.
bool pipes_nonblock(const PipeEnd& in, const PipeEnd& out, unsigned flags) noexcept {
  return (flags & SPLICE_F_NONBLOCK) != 0 || ((in.flags() | out.flags()) & O_NONBLOCK) != 0;
}

// The kernel raises SIGPIPE whenever these calls fail with EPIPE (no reader on the output).
IoResult signal_epipe(const PipeEnd& out, const IoResult& r) noexcept {
  if (!r.ok() && r.error.value() == EPIPE) out.raise_sigpipe();
  return r;
}

}  // namespace

IoResult Reader::vmsplice(std::span<const iovec> iov, unsigned flags) noexcept {
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (!end_) return error(EBADF);
  return end_->pipe().vmsplice_to_user(iov, (flags & SPLICE_F_NONBLOCK) != 0);
}

IoResult Writer::vmsplice(std::span<const iovec> iov, unsigned flags) noexcept {
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (!end_) return error(EBADF);
  return signal_epipe(*end_, end_->pipe().vmsplice_to_pipe(iov, (flags & SPLICE_F_NONBLOCK) != 0));
}

IoResult splice(const Reader& in, const Writer& out, std::size_t len, unsigned flags) noexcept {
  if (len == 0) return {};
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (!in.end() || !out.end()) return error(EBADF);
  return signal_epipe(*out.end(), Pipe::splice(in.end()->pipe(), out.end()->pipe(), len,
                                               pipes_nonblock(*in.end(), *out.end(), flags)));
}

IoResult tee(const Reader& in, const Writer& out, std::size_t len, unsigned flags) noexcept {
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (len == 0) return {};
  if (!in.end() || !out.end()) return error(EBADF);
  return signal_epipe(*out.end(), Pipe::tee(in.end()->pipe(), out.end()->pipe(), len,
                                            pipes_nonblock(*in.end(), *out.end(), flags)));
}

}  // namespace pipepool
