#include "pipe_bench/targets/kernel_pipe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

namespace pipe_bench {
namespace {

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

FdEndpoints::~FdEndpoints() {
  close_writer();
  close_reader();
}

IoStatus FdEndpoints::write(const std::byte* buf, std::size_t len) noexcept {
  for (;;) {
    const ssize_t n = ::write(write_fd_, buf, len);
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    if (errno != EINTR) return {0, errno};
  }
}

IoStatus FdEndpoints::read(std::byte* buf, std::size_t len) noexcept {
  for (;;) {
    const ssize_t n = ::read(read_fd_, buf, len);
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    if (errno != EINTR) return {0, errno};
  }
}

void FdEndpoints::close_writer() noexcept {
  close_fd(write_fd_);
}

void FdEndpoints::close_reader() noexcept {
  close_fd(read_fd_);
}

OpenResult open_kernel_pipe(const TargetConfig& config, std::string_view target,
                            const MakeFdEndpoints& make) {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | (config.packet ? O_DIRECT : 0)) != 0) {
    return {nullptr, fmt::format("{}: pipe2 failed: {}", target, std::strerror(errno)), 1};
  }
  std::unique_ptr<FdEndpoints> endpoints = make(fds[0], fds[1]);
  if (config.pipe_size > static_cast<std::size_t>(INT_MAX) ||
      ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(config.pipe_size)) < 0) {
    const int err = config.pipe_size > static_cast<std::size_t>(INT_MAX) ? EINVAL : errno;
    if (err == EPERM) {
      return {nullptr,
              fmt::format("--pipe-size: the kernel refused {} bytes with EPERM (above "
                          "/proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE)",
                          config.pipe_size),
              2};
    }
    return {nullptr,
            fmt::format("--pipe-size: fcntl(F_SETPIPE_SZ, {}) failed: {}", config.pipe_size,
                        std::strerror(err)),
            2};
  }
  return {std::move(endpoints), {}, 0};
}

}  // namespace pipe_bench
