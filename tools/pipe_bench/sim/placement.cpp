#include "pipe_bench/sim/placement.hpp"

namespace pipe_bench::sim {

std::optional<PageModel> parse_page_model(std::string_view name) noexcept {
  if (name == "one-cpu") return PageModel::one_cpu;
  if (name == "kernel") return PageModel::kernel;
  if (name == "model") return PageModel::model;
  return std::nullopt;
}

std::string_view describe(PageModel model) noexcept {
  switch (model) {
    case PageModel::one_cpu:
      return "one-cpu: every copy, allocation and free at its one-CPU cost";
    case PageModel::kernel:
      return "kernel: copies of pages another CPU touched last, allocations on a CPU whose pages "
             "were freed elsewhere and frees of pages allocated elsewhere at their two-CPU costs";
    case PageModel::model:
      return "model: copies of pages another CPU touched last at their two-CPU costs; "
             "allocations and frees at the model allocator's flat one-CPU costs";
  }
  return "unknown";
}

}  // namespace pipe_bench::sim
