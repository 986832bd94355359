#include "pipe_bench/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/resolve_report.hpp"

namespace pipe_bench {
namespace {

// "+10.9% throughput (95% CI +8.2%..+13.7%)".
std::string change(const RatioEstimate& e, std::string_view what) {
  if (!e.ci95) return fmt::format("{} {} (single run, no CI)", percent_change(e.ratio), what);
  return fmt::format("{} {} (95% CI {}..{})", percent_change(e.ratio), what,
                     percent_change(e.ci95->first), percent_change(e.ci95->second));
}

// ", allocator os" for pipepool targets; nothing for kernel pipes and memcpy.
std::string allocator_text(const RunConfig& c) {
  if (c.allocator == "kernel" || c.allocator == "none") return {};
  if (c.allocator == "model") {
    return fmt::format(
        ", model allocator ({})",
        model_cost_text(c.model_preset, fmt::format("{}", c.alloc_cost_ns), c.free_cost_ns,
                        c.reclaim_stall_probability, c.reclaim_stall_ns));
  }
  return fmt::format(", allocator {}", c.allocator);
}

// ", SIMULATED on 52 CPUs (SimGrid 3.32), seeds 1..5, costs: <source>" or ", REPLAYED from FILE
// (recorder strace)"; nothing for measured runs.
std::string source_text(const Series& series) {
  const TargetResult& first = series.runs.front();
  if (first.simulated) {
    std::uint64_t lo = first.simulated->seed, hi = lo;
    for (const auto& r : series.runs) {
      if (!r.simulated) continue;
      lo = std::min(lo, r.simulated->seed);
      hi = std::max(hi, r.simulated->seed);
    }
    return fmt::format(", SIMULATED on {} CPUs ({}), {}, costs: {}", first.simulated->cpus,
                       first.simulated->engine,
                       lo == hi ? fmt::format("seed {}", lo) : fmt::format("seeds {}..{}", lo, hi),
                       first.simulated->cost_source);
  }
  if (first.replayed) {
    return fmt::format(", REPLAYED from {} (recorder {})", first.replayed->recording,
                       first.replayed->recorder);
  }
  return {};
}

// `requested` when every run of the target and the baseline reclaimed; otherwise says the
// pressure caused no reclaim, so that the line is not read as measured under pressure.
std::string pressure_text(const std::string& requested, const ConfigResults& config,
                          const Comparison& c) {
  std::size_t runs = 0, without = 0;
  for (const auto& s : config.series) {
    if (s.target != c.target && s.target != c.baseline) continue;
    for (const auto& r : s.runs) {
      if (!r.reclaim) continue;
      ++runs;
      if (!reclaimed(r)) ++without;
    }
  }
  if (without == 0) return requested;
  return fmt::format("requested ({}) but no reclaim was caused in {} of {} runs", requested,
                     without, runs);
}

}  // namespace

std::string percent_change(double ratio) {
  return fmt::format("{:+.1f}%", (ratio - 1.0) * 100.0);
}

std::string format_summary(const std::vector<ConfigResults>& results,
                           const std::vector<Comparison>& comparisons, const RunContext& context) {
  std::string out;
  std::string pressure = "off";
  if (context.pressure && context.pressure->mode == "cgroup") {
    pressure = fmt::format("memory cgroup v{}, limit {:.0f} MiB kept full of page cache",
                           context.pressure->cgroup_version,
                           static_cast<double>(context.pressure->limit_bytes) / (1024.0 * 1024));
  } else if (context.pressure) {
    pressure = fmt::format(
        "{} ({:.1f} GiB resident)", context.pressure->command,
        static_cast<double>(context.pressure->rss_bytes_at_start) / (1024.0 * 1024 * 1024));
  }
  for (const auto& c : comparisons) {
    if (c.metric != kMetricWritesPerS) continue;
    const auto lat = std::find_if(comparisons.begin(), comparisons.end(), [&](const auto& o) {
      return o.config_index == c.config_index && o.baseline == c.baseline && o.target == c.target &&
             o.metric == kMetricLatAvg;
    });
    const ConfigResults& config = results.at(c.config_index);
    const auto series = std::find_if(config.series.begin(), config.series.end(),
                                     [&](const Series& s) { return s.target == c.target; });
    if (series == config.series.end() || series->runs.empty()) continue;
    const RunConfig& rc = series->runs.front().config;
    const std::string pressure_here = pressure_text(pressure, config, c);
    const std::string latency = lat == comparisons.end()
                                    ? std::string("avg write latency n/a")
                                    : change(lat->estimate, "avg write latency");
    out += fmt::format(
        "{} vs {}: {}, {}, {} run{} of {:g} s, {} writer{} / {} reader{}, {} writes, "
        "{} pipe{}{}, memory pressure: {}{}\n",
        c.target, c.baseline, change(c.estimate, "throughput"), latency, c.estimate.pairs,
        c.estimate.pairs == 1 ? "" : "s", rc.duration_s, rc.writers, rc.writers == 1 ? "" : "s",
        rc.readers, rc.readers == 1 ? "" : "s", format_size(rc.msg_size), format_size(rc.pipe_size),
        allocator_text(rc),
        rc.rate > 0 ? fmt::format(", open loop {:g} writes/s per writer", rc.rate) : "",
        pressure_here, source_text(*series));
  }
  return out + format_unresolved(results, comparisons);
}

}  // namespace pipe_bench
