// vmsplice / splice / tee on the C++ handles, with the kernel's flag and blocking rules.
#include <fcntl.h>

#include <cerrno>

#include "pipepool/pipe.hpp"

namespace pipepool {
namespace {

constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

IoResult error(int e) noexcept {
  return {0, {e, std::generic_category()}};
}

// splice and tee do not wait when the flag says so or either end is O_NONBLOCK.
bool pipes_nonblock(const PipeEnd& in, const PipeEnd& out, unsigned flags) noexcept {
  return (flags & SPLICE_F_NONBLOCK) != 0 || ((in.flags() | out.flags()) & O_NONBLOCK) != 0;
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
  return end_->pipe().vmsplice_to_pipe(iov, (flags & SPLICE_F_NONBLOCK) != 0);
}

IoResult splice(const Reader& in, const Writer& out, std::size_t len, unsigned flags) noexcept {
  if (len == 0) return {};
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (!in.end() || !out.end()) return error(EBADF);
  return Pipe::splice(in.end()->pipe(), out.end()->pipe(), len,
                      pipes_nonblock(*in.end(), *out.end(), flags));
}

IoResult tee(const Reader& in, const Writer& out, std::size_t len, unsigned flags) noexcept {
  if ((flags & ~kSpliceFlags) != 0) return error(EINVAL);
  if (len == 0) return {};
  if (!in.end() || !out.end()) return error(EBADF);
  return Pipe::tee(in.end()->pipe(), out.end()->pipe(), len,
                   pipes_nonblock(*in.end(), *out.end(), flags));
}

}  // namespace pipepool
