#include "pipe_bench/targets/pipepool_target.hpp"

#include <fmt/format.h>

#include <cstring>
#include <span>
#include <utility>

#include "pipepool/pipe.hpp"

namespace pipe_bench {
namespace {

class PipepoolEndpoints final : public Endpoints {
 public:
  PipepoolEndpoints(pipepool::Reader reader, pipepool::Writer writer)
      : reader_(std::move(reader)), writer_(std::move(writer)) {}

  IoStatus write(const std::byte* buf, std::size_t len) noexcept override {
    const auto r = writer_.write(std::span<const std::byte>(buf, len));
    return {r.count, r.error.value()};
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
  PipepoolTarget(pipepool::PolicyKind policy, const TargetConfig& config)
      : policy_(policy), config_(config) {}
  std::string_view name() const noexcept override { return pipepool::to_string(policy_); }
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
    return {
        std::make_unique<PipepoolEndpoints>(std::move(pair.reader), std::move(pair.writer)), {}, 0};
  }

 private:
  pipepool::PolicyKind policy_;
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_pipepool_target(pipepool::PolicyKind policy,
                                             const TargetConfig& config) {
  return std::make_unique<PipepoolTarget>(policy, config);
}

}  // namespace pipe_bench
