#include "pipe_bench/targets/vmsplice_target.hpp"

#include <fcntl.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "pipe_bench/targets/kernel_pipe.hpp"

namespace pipe_bench {
namespace {

class VmspliceEndpoints final : public FdEndpoints {
 public:
  VmspliceEndpoints(int read_fd, int write_fd, std::size_t pipe_size) noexcept
      : FdEndpoints(read_fd, write_fd), pipe_size_(pipe_size) {}

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    iovec iov{const_cast<std::byte*>(buf), len};
    for (;;) {
      const ssize_t n = ::vmsplice(write_fd(), &iov, 1, 0);
      if (n >= 0) return {static_cast<std::size_t>(n), 0};
      if (errno != EINTR) return {0, errno};
    }
  }

  std::size_t writer_buffers(std::size_t msg_size) const noexcept override {
    return (2 * pipe_size_ + msg_size - 1) / msg_size + 1;
  }

  // The pipe refers to a finished writer's pages until the readers drain it. The kernel keeps
  // those pages alive, but not their bytes once the allocator reuses the memory (a sanitizer's
  // allocator does at once): they are freed only with the endpoints, after the readers.
  void adopt_writer_buffers(void* block) noexcept override {
    std::lock_guard lock(kept_mutex_);
    try {
      kept_.push_back(block);
    } catch (const std::bad_alloc&) {
      std::free(block);  // cannot keep it: freeing it is what the default does
    }
  }

  ~VmspliceEndpoints() override {
    for (void* block : kept_) std::free(block);
  }

 private:
  std::size_t pipe_size_;
  std::mutex kept_mutex_;
  std::vector<void*> kept_;
};

class VmspliceTarget final : public Target {
 public:
  explicit VmspliceTarget(const TargetConfig& config) : config_(config) {
    // Records are page-aligned buffers that each become one pipe buffer; packet mode (which
    // vmsplice does not use) is not needed to keep reads to one record.
    config_.packet = false;
  }
  std::string_view name() const noexcept override { return "kernel-vmsplice"; }
  std::string_view allocator_label() const noexcept override { return "kernel"; }

  OpenResult open() override {
    const std::size_t pipe_size = config_.pipe_size;
    return open_kernel_pipe(config_, name(),
                            [pipe_size](int r, int w) -> std::unique_ptr<FdEndpoints> {
                              return std::make_unique<VmspliceEndpoints>(r, w, pipe_size);
                            });
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_vmsplice_target(const TargetConfig& config) {
  return std::make_unique<VmspliceTarget>(config);
}

}  // namespace pipe_bench
