#include "pipe_bench/targets/kernel_target.hpp"

#include "pipe_bench/targets/kernel_pipe.hpp"

namespace pipe_bench {
namespace {

class KernelTarget final : public Target {
 public:
  explicit KernelTarget(const TargetConfig& config) : config_(config) {}
  std::string_view name() const noexcept override { return "kernel"; }
  std::string_view allocator_label() const noexcept override { return "kernel"; }

  OpenResult open() override {
    return open_kernel_pipe(config_, name(),
                            [](int r, int w) { return std::make_unique<FdEndpoints>(r, w); });
  }

 private:
  TargetConfig config_;
};

}  // namespace

std::unique_ptr<Target> make_kernel_target(const TargetConfig& config) {
  return std::make_unique<KernelTarget>(config);
}

}  // namespace pipe_bench
