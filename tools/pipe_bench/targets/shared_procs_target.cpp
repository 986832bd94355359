#include "pipe_bench/targets/shared_procs_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <utility>

#include "internal/fd_table.hpp"
#include "internal/lock_clock.hpp"
#include "internal/shared_layout.hpp"
#include "internal/shared_lock.hpp"
#include "internal/shared_pipe.hpp"
#include "pipe_bench/targets/procs_target.hpp"
#include "pipepool/posix.h"

namespace pipe_bench {
namespace {

using pipepool::internal::SharedMapping;

void close_fd(int& fd) noexcept {
  if (fd >= 0) (void)pp_close(fd);
  fd = -1;
}

// pp_read / pp_write on the two descriptors of a shared pipe. Holds the pipe's mapping so that
// stats() reads its counters after every end of this process is closed.
class SharedEndpoints final : public Endpoints {
 public:
  SharedEndpoints(int read_fd, int write_fd, std::shared_ptr<SharedMapping> map) noexcept
      : read_fd_(read_fd), write_fd_(write_fd), map_(std::move(map)) {}
  ~SharedEndpoints() override {
    close_writer();
    close_reader();
  }
  SharedEndpoints(const SharedEndpoints&) = delete;
  SharedEndpoints& operator=(const SharedEndpoints&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = pp_write(write_fd_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    for (;;) {
      const ssize_t n = pp_read(read_fd_, buf, len);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }
  void close_writer() noexcept override { close_fd(write_fd_); }
  void close_reader() noexcept override { close_fd(read_fd_); }

  std::optional<pipepool::PipeStats> stats() const noexcept override {
    namespace shared = pipepool::internal::shared;
    shared::Header& h = map_->header();
    shared::SharedLock lock(h);
    pipepool::PipeStats s;
    s.pool.allocs_in_lock = h.counters.pages_taken;
    s.pool.frees_in_lock = h.counters.pages_freed;
    s.pool.pool_hits = h.counters.cache_hits;
    for (std::uint32_t i = 0; i < h.cache_size; ++i) {
      if (h.cache[i] != shared::kNoPage) ++s.pool.pool_size;
    }
    s.pool.pool_peak = h.counters.cache_peak;
    s.lock.acquisitions = h.lock.acquisitions;
    s.lock.contended = h.lock.contended;
    s.lock.hold_ns = pipepool::internal::lock_ticks_to_ns(h.lock.hold_ticks);
    s.lock.wait_ns = pipepool::internal::lock_ticks_to_ns(h.lock.wait_ticks);
    s.bytes_written = h.calls.bytes_written;
    s.bytes_read = h.calls.bytes_read;
    s.writes = h.calls.writes;
    s.reads = h.calls.reads;
    s.writes_blocked = h.calls.writes_blocked;
    s.reads_blocked = h.calls.reads_blocked;
    return s;
  }

 private:
  int read_fd_;
  int write_fd_;
  std::shared_ptr<SharedMapping> map_;
};

class SharedProcsTarget final : public ProcessesTarget {
 public:
  explicit SharedProcsTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "procs"; }
  std::string_view allocator_label() const noexcept override { return "arena"; }

  OpenResult open() override {
    if (config_.packet) {
      return {nullptr,
              "procs: packet mode (O_DIRECT, which --verify sets) is not available on shared "
              "pipes",
              2};
    }
    // A writer must see EPIPE, not die (as the kernel targets).
    std::signal(SIGPIPE, SIG_IGN);
    pp_options opts{};
    opts.no_sigpipe = 1;
    opts.legacy_cache = config_.pool_sizes.legacy_cache;
    int fds[2];
    if (pp_pipe_opts(fds, O_CLOEXEC | PP_O_SHARED, &opts) != 0) {
      return {nullptr, fmt::format("procs: pp_pipe2(PP_O_SHARED) failed: {}", std::strerror(errno)),
              1};
    }
    auto end = pipepool::internal::FdTable::global().get_shared(fds[0]);
    auto endpoints = std::make_unique<SharedEndpoints>(fds[0], fds[1], end->mapping());
    if (config_.pipe_size > static_cast<std::size_t>(INT_MAX) ||
        pp_fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(config_.pipe_size)) < 0) {
      const int err = config_.pipe_size > static_cast<std::size_t>(INT_MAX) ? EINVAL : errno;
      return {nullptr,
              fmt::format("--pipe-size: a shared pipe refused {} bytes: {} (at most 1 MiB)",
                          config_.pipe_size, std::strerror(err)),
              2};
    }
    return {std::move(endpoints), {}, 0};
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_shared_procs_target(const TargetConfig& config) {
  return std::make_unique<SharedProcsTarget>(config);
}

}  // namespace pipe_bench
