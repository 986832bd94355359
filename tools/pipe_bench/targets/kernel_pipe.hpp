// A real kernel pipe as Endpoints: what the kernel, kernel-procs and kernel-vmsplice targets share.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

// read(2) / write(2) on two descriptors it owns (closed by close_*() or the destructor).
class FdEndpoints : public Endpoints {
 public:
  FdEndpoints(int read_fd, int write_fd) noexcept : read_fd_(read_fd), write_fd_(write_fd) {}
  ~FdEndpoints() override;
  FdEndpoints(const FdEndpoints&) = delete;
  FdEndpoints& operator=(const FdEndpoints&) = delete;

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override;
  IoStatus read(std::byte* buf, std::size_t len) noexcept override;
  void close_writer() noexcept override;
  void close_reader() noexcept override;
  std::optional<pipepool::PipeStats> stats() const noexcept override { return std::nullopt; }

 protected:
  [[nodiscard]] int write_fd() const noexcept { return write_fd_; }

 private:
  int read_fd_;
  int write_fd_;
};

// pipe2() (O_DIRECT when config.packet), then F_SETPIPE_SZ to config.pipe_size. On failure the
// error names --pipe-size with exit code 2 when the kernel refused the size. `make` builds the
// endpoints from the two descriptors. Ignores SIGPIPE: a writer must see EPIPE, not die.
using MakeFdEndpoints = std::function<std::unique_ptr<FdEndpoints>(int read_fd, int write_fd)>;
[[nodiscard]] OpenResult open_kernel_pipe(const TargetConfig& config, std::string_view target,
                                          const MakeFdEndpoints& make);

}  // namespace pipe_bench
