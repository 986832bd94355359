#include "pipe_bench/targets/pipepool_target.hpp"

#include <fmt/format.h>
#include <sys/uio.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "pipepool/pipe.hpp"

namespace pipe_bench {
namespace {

// `vmsplice`: writers vmsplice() their message buffers (the pipe references them) instead of
// write(); `pipe_size` sizes the buffer rotation that keeps a referenced buffer unchanged.
class PipepoolEndpoints final : public Endpoints {
 public:
  PipepoolEndpoints(pipepool::Reader reader, pipepool::Writer writer, bool vmsplice = false,
                    std::size_t pipe_size = 0)
      : reader_(std::move(reader)),
        writer_(std::move(writer)),
        vmsplice_(vmsplice),
        pipe_size_(pipe_size) {}

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    if (vmsplice_) {
      const iovec v{const_cast<std::byte*>(buf), len};
      const auto r = writer_.vmsplice({&v, 1});
      return {r.count, r.error.value()};
    }
    const auto r = writer_.write(std::span<const std::byte>(buf, len));
    return {r.count, r.error.value()};
  }
  std::size_t writer_buffers(std::size_t msg_size) const noexcept override {
    if (!vmsplice_) return 1;
    return (2 * pipe_size_ + msg_size - 1) / msg_size + 1;
  }
  // vmsplice: the pipe points at the writers' bytes until they are read, so their buffers live
  // as long as these endpoints.
  void adopt_writer_buffers(void* block) noexcept override {
    if (!vmsplice_) {
      std::free(block);
      return;
    }
    std::lock_guard lock(kept_mutex_);
    try {
      kept_.emplace_back(block);
    } catch (const std::bad_alloc&) {
      // Cannot track it: leaked rather than freed under readers that may still copy from it.
    }
  }
  IoStatus read(std::byte* buf, std::size_t len) noexcept override {
    const auto r = reader_.read(std::span<std::byte>(buf, len));
    return {r.count, r.error.value()};
  }
  void close_writer() noexcept override { close_end(writer_); }
  void close_reader() noexcept override { close_end(reader_); }
  std::optional<pipepool::PipeStats> stats() const noexcept override {
    if (reader_.is_open()) return reader_.stats();
    if (writer_.is_open()) return writer_.stats();
    return last_stats_;
  }

 private:
  pipepool::Reader reader_;
  pipepool::Writer writer_;
  bool vmsplice_;
  std::size_t pipe_size_;
  struct Free {
    void operator()(void* p) const noexcept { std::free(p); }
  };
  std::mutex kept_mutex_;
  std::vector<std::unique_ptr<void, Free>> kept_;  // writers' buffers, freed last
  // The counters as the last open end saw them, so they stay readable after both closes.
  pipepool::PipeStats last_stats_{};

  template <typename End>
  void close_end(End& end) noexcept {
    if (!end.is_open()) return;
    last_stats_ = end.stats();
    end.close();
  }
};

class PipepoolTarget final : public Target {
 public:
  PipepoolTarget(pipepool::PolicyKind policy, const TargetConfig& config, bool vmsplice = false)
      : policy_(policy), config_(config), vmsplice_(vmsplice) {
    // As kernel-vmsplice: page-aligned records that each become one buffer keep reads to one
    // record; vmsplice buffers are never packets.
    if (vmsplice_) config_.packet = false;
  }
  std::string_view name() const noexcept override {
    return vmsplice_ ? "vmsplice" : pipepool::to_string(policy_);
  }
  std::string_view allocator_label() const noexcept override {
    return pipepool::to_string(config_.allocator);
  }
  bool uses_page_allocator() const noexcept override { return true; }

  OpenResult open() override {
    pipepool::PipeOptions options;
    options.policy = policy_;
    options.allocator.kind = config_.allocator;
    options.allocator.model = config_.model;
    options.packet = config_.packet;
    options.copy = config_.copy;
    options.pool_sizes = config_.pool_sizes;
    auto pair = pipepool::make_pipe(options);
    if (!pair.ok()) {
      return {nullptr, fmt::format("{}: make_pipe failed: {}", name(), pair.error.message()), 1};
    }
    const auto sized = pair.writer.set_pipe_size(config_.pipe_size);
    if (!sized.ok()) {
      if (sized.error == std::errc::operation_not_permitted) {
        return {nullptr,
                fmt::format("--pipe-size: {} refused {} bytes with EPERM (above pipe-max-size, "
                            "{} bytes, as the kernel)",
                            name(), config_.pipe_size, pipepool::kPipeMaxSize),
                2};
      }
      return {nullptr,
              fmt::format("--pipe-size: {} refused {} bytes: {}", name(), config_.pipe_size,
                          sized.error.message()),
              2};
    }
    return {std::make_unique<PipepoolEndpoints>(std::move(pair.reader), std::move(pair.writer),
                                                vmsplice_, config_.pipe_size),
            {},
            0};
  }

 private:
  pipepool::PolicyKind policy_;
  TargetConfig config_;
  bool vmsplice_;
};

}  // namespace

std::unique_ptr<Target> make_pipepool_target(pipepool::PolicyKind policy,
                                             const TargetConfig& config) {
  return std::make_unique<PipepoolTarget>(policy, config);
}

std::unique_ptr<Target> make_pipepool_vmsplice_target(const TargetConfig& config) {
  return std::make_unique<PipepoolTarget>(pipepool::PolicyKind::unified, config, true);
}

}  // namespace pipe_bench
