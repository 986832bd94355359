#include "pipe_bench/targets/kernel_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace pipe_bench {
namespace {

class KernelEndpoints final : public Endpoints {
 public:
  KernelEndpoints(int read_fd, int write_fd) noexcept : read_fd_(read_fd), write_fd_(write_fd) {}
  ~KernelEndpoints() override {
    close_writer();
    close_reader();
  }
  KernelEndpoints(const KernelEndpoints&) = delete;
  KernelEndpoints& operator=(const KernelEndpoints&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = ::write(write_fd_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = ::read(read_fd_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  void close_writer() noexcept override { close_fd(write_fd_); }
  void close_reader() noexcept override { close_fd(read_fd_); }
  std::optional<pipepool::PipeStats> stats() const noexcept override { return std::nullopt; }

 private:
  static void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int read_fd_;
  int write_fd_;
};

class KernelTarget final : public Target {
 public:
  explicit KernelTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "kernel"; }
  std::string_view allocator_label() const noexcept override { return "kernel"; }

  OpenResult open() override {
    // A writer must see EPIPE, not die, if the readers are ever gone.
    std::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return {nullptr, fmt::format("kernel: pipe2 failed: {}", std::strerror(errno)), 1};
    }
    auto endpoints = std::make_unique<KernelEndpoints>(fds[0], fds[1]);
    if (config_.pipe_size > static_cast<std::size_t>(INT32_MAX) ||
        ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(config_.pipe_size)) < 0) {
      const int err = config_.pipe_size > static_cast<std::size_t>(INT32_MAX) ? EINVAL : errno;
      if (err == EPERM) {
        return {nullptr,
                fmt::format("--pipe-size: the kernel refused {} bytes with EPERM (above "
                            "/proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE)",
                            config_.pipe_size),
                2};
      }
      return {nullptr,
              fmt::format("--pipe-size: fcntl(F_SETPIPE_SZ, {}) failed: {}", config_.pipe_size,
                          std::strerror(err)),
              2};
    }
    return {std::move(endpoints), {}, 0};
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_kernel_target(const TargetConfig& config) {
  return std::make_unique<KernelTarget>(config);
}

}  // namespace pipe_bench
