#include "pipe_bench/targets/relay_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <span>
#include <thread>
#include <utility>

#include "pipepool/pipe.hpp"

namespace pipe_bench {
namespace {

// Relay contract (both kinds): the relay thread alone uses A's read end and B's write end, and
// closes them when A reaches EOF (writers closed) or B has no reader left (EPIPE), so readers see
// EOF and blocked writers see EPIPE. The destructor closes the other two ends and joins it.

class KernelRelayEndpoints final : public Endpoints {
 public:
  // fds: A's read, A's write, B's read, B's write.
  KernelRelayEndpoints(const int a[2], const int b[2], std::size_t chunk) noexcept
      : a_write_(a[1]), b_read_(b[0]) {
    const int a_read = a[0];
    const int b_write = b[1];
    relay_ = std::thread([a_read, b_write, chunk] {
      for (;;) {
        const ssize_t n = ::splice(a_read, nullptr, b_write, nullptr, chunk, SPLICE_F_MOVE);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        break;
      }
      ::close(b_write);
      ::close(a_read);
    });
  }
  ~KernelRelayEndpoints() override {
    close_writer();
    close_reader();
    relay_.join();
  }
  KernelRelayEndpoints(const KernelRelayEndpoints&) = delete;
  KernelRelayEndpoints& operator=(const KernelRelayEndpoints&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = ::write(a_write_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = ::read(b_read_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  void close_writer() noexcept override { close_fd(a_write_); }
  void close_reader() noexcept override { close_fd(b_read_); }
  std::optional<pipepool::PipeStats> stats() const noexcept override { return std::nullopt; }

 private:
  static void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int a_write_;
  int b_read_;
  std::thread relay_;
};

class PipepoolRelayEndpoints final : public Endpoints {
 public:
  PipepoolRelayEndpoints(pipepool::PipePair a, pipepool::PipePair b, std::size_t chunk)
      : a_write_(std::move(a.writer)), b_read_(std::move(b.reader)) {
    relay_ = std::thread([in = std::move(a.reader), out = std::move(b.writer), chunk]() mutable {
      for (;;) {
        const pipepool::IoResult r = pipepool::splice(in, out, chunk, SPLICE_F_MOVE);
        if ((r.ok() && r.count > 0) || r.error.value() == EINTR) continue;
        break;
      }
      out.close();
      in.close();
    });
  }
  ~PipepoolRelayEndpoints() override {
    close_writer();
    close_reader();
    relay_.join();
  }
  PipepoolRelayEndpoints(const PipepoolRelayEndpoints&) = delete;
  PipepoolRelayEndpoints& operator=(const PipepoolRelayEndpoints&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    const auto r = a_write_.write(std::span<const std::byte>(buf, len));
    return {r.count, r.error.value()};
  }
  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    const auto r = b_read_.read(std::span<std::byte>(buf, len));
    return {r.count, r.error.value()};
  }
  void close_writer() noexcept override {
    if (!a_write_.is_open()) return;
    a_stats_ = a_write_.stats();
    a_write_.close();
  }
  void close_reader() noexcept override { b_read_.close(); }
  // Pipe A's counters (the writers' side, where pages are allocated), as the writers' end last
  // saw them once it is closed.
  std::optional<pipepool::PipeStats> stats() const noexcept override {
    return a_write_.is_open() ? a_write_.stats() : a_stats_;
  }

 private:
  pipepool::Writer a_write_;
  pipepool::Reader b_read_;
  pipepool::PipeStats a_stats_{};
  std::thread relay_;
};

std::string size_error(std::string_view target, std::size_t size, int err) {
  if (err == EPERM) {
    return fmt::format("--pipe-size: {} refused {} bytes with EPERM (above pipe-max-size)", target,
                       size);
  }
  return fmt::format("--pipe-size: {} refused {} bytes: {}", target, size, std::strerror(err));
}

class KernelRelayTarget final : public Target {
 public:
  explicit KernelRelayTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "kernel-splice"; }
  std::string_view allocator_label() const noexcept override { return "kernel"; }

  OpenResult open() override {
    std::signal(SIGPIPE, SIG_IGN);
    int a[2], b[2];
    if (::pipe2(a, O_CLOEXEC | (config_.packet ? O_DIRECT : 0)) != 0) {
      return {nullptr, fmt::format("{}: pipe2 failed: {}", name(), std::strerror(errno)), 1};
    }
    if (::pipe2(b, O_CLOEXEC) != 0) {
      const int err = errno;
      for (int fd : a) ::close(fd);
      return {nullptr, fmt::format("{}: pipe2 failed: {}", name(), std::strerror(err)), 1};
    }
    for (const int fd : {a[1], b[1]}) {
      if (config_.pipe_size > static_cast<std::size_t>(INT_MAX) ||
          ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(config_.pipe_size)) < 0) {
        const int err = config_.pipe_size > static_cast<std::size_t>(INT_MAX) ? EINVAL : errno;
        for (int x : {a[0], a[1], b[0], b[1]}) ::close(x);
        return {nullptr, size_error(name(), config_.pipe_size, err), 2};
      }
    }
    return {std::make_unique<KernelRelayEndpoints>(a, b, config_.pipe_size), {}, 0};
  }

 private:
  TargetConfig config_;
};

class PipepoolRelayTarget final : public Target {
 public:
  explicit PipepoolRelayTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "splice"; }
  std::string_view allocator_label() const noexcept override {
    return pipepool::to_string(config_.allocator);
  }
  bool uses_page_allocator() const noexcept override { return true; }

  OpenResult open() override {
    pipepool::PipeOptions options;
    options.policy = pipepool::PolicyKind::unified;
    options.allocator.kind = config_.allocator;
    options.allocator.model = config_.model;
    options.copy = config_.copy;
    options.pool_sizes = config_.pool_sizes;
    // One allocator for both pipes: a page spliced into B goes back to B's pool.
    options.allocator_instance = pipepool::make_allocator(options.allocator);
    options.packet = config_.packet;
    pipepool::PipePair a = pipepool::make_pipe(options);
    options.packet = false;
    pipepool::PipePair b = pipepool::make_pipe(options);
    if (!a.ok() || !b.ok()) {
      const std::error_code e = a.ok() ? b.error : a.error;
      return {nullptr, fmt::format("{}: make_pipe failed: {}", name(), e.message()), 1};
    }
    for (pipepool::Writer* w : {&a.writer, &b.writer}) {
      const auto sized = w->set_pipe_size(config_.pipe_size);
      if (!sized.ok())
        return {nullptr, size_error(name(), config_.pipe_size, sized.error.value()), 2};
    }
    return {std::make_unique<PipepoolRelayEndpoints>(std::move(a), std::move(b), config_.pipe_size),
            {},
            0};
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_kernel_relay_target(const TargetConfig& config) {
  return std::make_unique<KernelRelayTarget>(config);
}

std::unique_ptr<Target> make_pipepool_relay_target(const TargetConfig& config) {
  return std::make_unique<PipepoolRelayTarget>(config);
}

}  // namespace pipe_bench
