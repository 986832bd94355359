#include "pipe_bench/kernel_pages/counted_target.hpp"

#include "pipe_bench/kernel_pages/kernel_counters.hpp"

namespace pipe_bench::kernel_pages {
namespace {

class CountedTarget final : public Target {
 public:
  CountedTarget(std::unique_ptr<Target> inner, std::string tracefs_root)
      : inner_(std::move(inner)), tracefs_root_(std::move(tracefs_root)) {}

  std::string_view name() const noexcept override { return inner_->name(); }
  std::string_view allocator_label() const noexcept override { return inner_->allocator_label(); }
  bool uses_page_allocator() const noexcept override { return inner_->uses_page_allocator(); }
  OpenResult open() override { return inner_->open(); }

  RunAttempt run(const WorkloadConfig& config) override {
    OpenedCounters opened = open_kernel_page_counters(tracefs_root_);
    RunAttempt attempt = inner_->run(config);
    KernelPageTraffic traffic;
    if (opened.counters) {
      std::string error;
      const PageCounts counts = opened.counters->stop(error);
      if (error.empty()) {
        traffic.allocs = counts.allocs;
        traffic.frees = counts.frees;
      } else {
        traffic.unavailable = error;
      }
    } else {
      traffic.unavailable = opened.unavailable;
    }
    if (attempt.result) attempt.result->kernel_pages = std::move(traffic);
    return attempt;
  }

 private:
  std::unique_ptr<Target> inner_;
  std::string tracefs_root_;
};

}  // namespace

std::unique_ptr<Target> count_kernel_pages(std::unique_ptr<Target> target,
                                           std::string tracefs_root) {
  if (!target) return target;
  return std::make_unique<CountedTarget>(std::move(target), std::move(tracefs_root));
}

}  // namespace pipe_bench::kernel_pages
