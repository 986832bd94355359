// Reader / Writer handles and make_pipe.
#include <fcntl.h>

#include <cerrno>
#include <new>

#include "internal/pipe_core.hpp"

namespace pipepool {
namespace {

std::error_code ebadf() noexcept {
  return {EBADF, std::generic_category()};
}

void set_flag(PipeEnd& end, int flag, bool on) noexcept {
  const int mode_less = end.flags() & ~O_ACCMODE;
  end.set_flags(on ? (mode_less | flag) : (mode_less & ~flag));
}

}  // namespace

IoResult Reader::read(std::span<std::byte> buf) noexcept {
  const iovec v{buf.data(), buf.size()};
  return readv({&v, 1});
}

IoResult Reader::readv(std::span<const iovec> iov) noexcept {
  if (!end_) return {0, ebadf()};
  return end_->read(iov);
}

void Reader::set_nonblocking(bool on) noexcept {
  if (end_) set_flag(*end_, O_NONBLOCK, on);
}

std::size_t Reader::bytes_available() const noexcept {
  return end_ ? end_->pipe().bytes_available() : 0;
}

short Reader::poll() const noexcept {
  return end_ ? end_->pipe().poll(false) : short{0};
}

FdResult Reader::event_fd() const noexcept {
  if (!end_) return {-1, ebadf()};
  return end_->event_fd();
}

SizeResult Reader::set_pipe_size(std::size_t bytes) noexcept {
  if (!end_) return {0, ebadf()};
  return end_->pipe().set_size(bytes);
}

std::size_t Reader::pipe_size() const noexcept {
  return end_ ? end_->pipe().size() : 0;
}

PipeStats Reader::stats() const noexcept {
  return end_ ? end_->pipe().stats() : PipeStats{};
}

IoResult Writer::write(std::span<const std::byte> buf) noexcept {
  const iovec v{const_cast<std::byte*>(buf.data()), buf.size()};
  return writev({&v, 1});
}

IoResult Writer::writev(std::span<const iovec> iov) noexcept {
  if (!end_) return {0, ebadf()};
  return end_->write(iov);
}

void Writer::set_nonblocking(bool on) noexcept {
  if (end_) set_flag(*end_, O_NONBLOCK, on);
}

void Writer::set_packet(bool on) noexcept {
  if (end_) set_flag(*end_, O_DIRECT, on);
}

short Writer::poll() const noexcept {
  return end_ ? end_->pipe().poll(true) : short{0};
}

FdResult Writer::event_fd() const noexcept {
  if (!end_) return {-1, ebadf()};
  return end_->event_fd();
}

SizeResult Writer::set_pipe_size(std::size_t bytes) noexcept {
  if (!end_) return {0, ebadf()};
  return end_->pipe().set_size(bytes);
}

std::size_t Writer::pipe_size() const noexcept {
  return end_ ? end_->pipe().size() : 0;
}

PipeStats Writer::stats() const noexcept {
  return end_ ? end_->pipe().stats() : PipeStats{};
}

PipePair make_pipe(const PipeOptions& options) noexcept {
  PipePair pair;
  if (const std::error_code invalid = validate(options.pool_sizes)) {
    pair.error = invalid;
    return pair;
  }
  try {
    std::shared_ptr<PageAllocator> allocator =
        options.allocator_instance ? options.allocator_instance : make_allocator(options.allocator);
    if (!allocator) {
      pair.error = {ENOMEM, std::generic_category()};
      return pair;
    }
    std::unique_ptr<PagePool> pool =
        make_pool(options.policy, std::move(allocator), options.pool_sizes);
    if (!pool) {
      pair.error = {EINVAL, std::generic_category()};
      return pair;
    }
    auto pipe = std::make_shared<Pipe>(std::move(pool), options.copy.value_or(default_copy_mode()));
    const int nonblock = options.nonblocking ? O_NONBLOCK : 0;
    pair.reader = Reader(std::make_shared<PipeEnd>(pipe, false, nonblock));
    pair.writer = Writer(std::make_shared<PipeEnd>(
        pipe, true, nonblock | (options.packet ? O_DIRECT : 0), !options.no_sigpipe));
  } catch (const std::bad_alloc&) {
    pair = PipePair{};
    pair.error = {ENOMEM, std::generic_category()};
  }
  return pair;
}

}  // namespace pipepool
