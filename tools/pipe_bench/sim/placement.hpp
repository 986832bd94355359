// Which CPU a simulated task runs on, and which page costs depend on it.
//
// Each task starts on a home CPU, writer i on CPU i mod N and reader j on CPU (W + j) mod N (with
// W + R <= N every task has a CPU of its own), and runs where the simulated scheduler places it
// (runqueue.hpp: a woken task on an idle CPU, a queued one pulled by a newly idle CPU). A page
// remembers the CPU that touched it last, and the page model says what that costs.
#pragma once

#include <optional>
#include <string_view>

namespace pipe_bench::sim {

enum class PageModel {
  // Every copy, allocation and free costs its one-CPU probe figure, wherever the page was.
  one_cpu,
  // The kernel's pipe over the kernel's page allocator: a copy out of a page another CPU wrote,
  // or into a page another CPU read last, costs the probe's two-CPU copy figure; an allocation
  // from the allocating CPU's own free pages (freed on that CPU) costs the one-CPU figure, one
  // that finds none (its pages were freed elsewhere) the two-CPU figure; freeing a page
  // allocated on another CPU costs the two-CPU free figure.
  kernel,
  // pipepool's pipe over its model allocator (`-a model`): copies as in `kernel`, allocations
  // and frees cost the one-CPU figures everywhere (the model allocator busy-waits its preset's
  // costs, which are the one-CPU figures).
  model,
};
[[nodiscard]] std::optional<PageModel> parse_page_model(std::string_view name) noexcept;
[[nodiscard]] std::string_view describe(PageModel model) noexcept;

// Writer i's and reader j's home CPU among `cpus`, with `writers` writers.
[[nodiscard]] constexpr unsigned writer_cpu(unsigned i, unsigned cpus) noexcept {
  return i % cpus;
}
[[nodiscard]] constexpr unsigned reader_cpu(unsigned j, unsigned writers, unsigned cpus) noexcept {
  return (writers + j) % cpus;
}

}  // namespace pipe_bench::sim
