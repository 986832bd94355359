#include "pipe_bench/sim/breakdown.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pipe_bench::sim {

std::vector<std::pair<std::string, double>> breakdown_per_write(const SimOutcome& o,
                                                                const SimCosts& costs) {
  const double writes = static_cast<double>(o.writes);
  const auto per_write = [&](double ns) { return writes > 0 ? ns / writes : 0.0; };
  const double hold = static_cast<double>(o.pipe.lock.hold_ns);
  const ChargeTotals& c = o.charged;
  const double off_cpu = o.mutex_spin.hold_off_cpu_s * 1e9;
  const double other =
      std::max(0.0, hold - c.hold_alloc_ns - c.hold_free_ns - c.hold_copy_ns - off_cpu);
  const double futex_wakes =
      static_cast<double>(o.mutex_spin.futex_wakes + o.queue_spin.futex_wakes);
  const double busy = c.busy_ns +
                      (o.mutex_spin.spin_s + o.queue_spin.spin_s + o.mutex_spin.handoff_s) * 1e9 +
                      futex_wakes * costs.syscall_ns;
  return {{"hold_alloc_ns", per_write(c.hold_alloc_ns)},
          {"hold_free_ns", per_write(c.hold_free_ns)},
          {"hold_copy_ns", per_write(c.hold_copy_ns)},
          {"hold_off_cpu_ns", per_write(off_cpu)},
          {"hold_other_ns", per_write(other)},
          {"wait_ns", per_write(static_cast<double>(o.pipe.lock.wait_ns))},
          {"cpu_busy_ns", per_write(busy)}};
}

std::string format_breakdown(const std::vector<ConfigResults>& results) {
  std::string s = fmt::format(
      "time per write, us (median over runs): mutex hold = alloc + free + copy + off CPU (owner "
      "preempted) + other; wait for the mutex; CPU busy of all tasks\n{:<10} {:<10} {:>7} {:>7} "
      "{:>7} {:>7} {:>7} {:>7} {:>7} {:>8}\n",
      "W x R", "target", "hold", "alloc", "free", "copy", "off CPU", "other", "wait", "CPU busy");
  for (const auto& config : results) {
    for (const auto& series : config.series) {
      const auto b = median_breakdown(series);
      if (b.size() != 7) continue;
      const auto us = [&](std::size_t i) { return b[i].second / 1000; };
      s += fmt::format(
          "{:<10} {:<10} {:>7.2f} {:>7.2f} {:>7.2f} {:>7.2f} {:>7.2f} {:>7.2f} {:>7.2f} {:>8.2f}\n",
          fmt::format("{} x {}", config.config.writers, config.config.readers), series.target,
          us(0) + us(1) + us(2) + us(3) + us(4), us(0), us(1), us(2), us(3), us(4), us(5), us(6));
    }
  }
  return s;
}

}  // namespace pipe_bench::sim
