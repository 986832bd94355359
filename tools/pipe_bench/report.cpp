#include "pipe_bench/report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pipe_bench/json_report.hpp"
#include "pipe_bench/model_preset.hpp"
#include "pipe_bench/options.hpp"
#include "pipe_bench/resolve_report.hpp"

namespace pipe_bench {
namespace {

constexpr int kNameWidth = 15;  // "kernel-vmsplice"

double us(double ns) {
  return ns / 1000.0;
}

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

std::string allocator_text(const RunConfig& config) {
  if (config.allocator == "model") {
    return fmt::format("model ({})",
                       model_cost_text(config.model_preset, fmt::format("{}", config.alloc_cost_ns),
                                       config.free_cost_ns, config.reclaim_stall_probability,
                                       config.reclaim_stall_ns));
  }
  return config.allocator;
}

const TargetResult* find(const std::vector<TargetResult>& results, std::string_view target) {
  const auto it = std::find_if(results.begin(), results.end(),
                               [&](const TargetResult& r) { return r.target == target; });
  return it == results.end() ? nullptr : &*it;
}

double per_write(std::uint64_t count, std::uint64_t writes) {
  return writes == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(writes);
}

std::string ratio_text(double ratio, const std::optional<std::pair<double, double>>& ci) {
  if (!ci) return fmt::format("{:.3f}", ratio);
  return fmt::format("{:.3f} [{:.3f}..{:.3f}]", ratio, ci->first, ci->second);
}

std::string gib(std::uint64_t bytes) {
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

}  // namespace

std::string format_header(const RunConfig& config, const RunContext& context) {
  std::string extra;
  if (config.rate > 0) extra += fmt::format(", open loop {:g} writes/s per writer", config.rate);
  if (config.verify) extra += fmt::format(", verify (records of {})", format_size(config.msg_size));
  const std::string threads =
      config.writers == 0 ? std::string()
                          : fmt::format("{} writers, {} readers, ", config.writers, config.readers);
  return fmt::format(
      "pipe_bench: {}msg {}, pipe {}, {:g} s per run, allocator {}{}, pipepool copy {}\n"
      "host {}, kernel {}, {} x {}, {} build, pipepool {} ({}), {}\n",
      threads, config.msg_size == 0 ? std::string("sizes swept") : format_size(config.msg_size),
      format_size(config.pipe_size), config.duration_s, allocator_text(config), extra,
      context.copy_mode, context.host, context.kernel, context.cores, context.cpu_model,
      context.build_type, context.pipepool_version, context.git_revision, context.date);
}

std::string format_pressure(const RunContext& context) {
  if (!context.pressure) return {};
  const auto& p = *context.pressure;
  if (p.mode == "cgroup") {
    std::string idle;
    if (p.idle_reclaim) {
      idle = fmt::format("{:>{}}  reclaim before pipe_bench moved in, over {:g} s: {}\n", "",
                         kNameWidth, p.idle_s, format_reclaim(*p.idle_reclaim));
    }
    return fmt::format("memory pressure: {} (ready after {:.1f} s)\n{}", p.command, p.ramp_s, idle);
  }
  return fmt::format("memory pressure: {} (RSS {} when measuring started, after {:.1f} s)\n",
                     p.command, gib(p.rss_bytes_at_start), p.ramp_s);
}

std::string format_shrinker_pressure(const RunContext& context) {
  if (!context.shrinker_pressure_source) return {};
  const std::string note =
      context.shrinker_memory_events_note.empty()
          ? std::string()
          : "; memory.events not watched: " + context.shrinker_memory_events_note;
  return fmt::format("shrinker pressure source: {} (monitor started for the shrinker target{})\n",
                     *context.shrinker_pressure_source, note);
}

std::string format_config_header(const Configuration& config, std::size_t count, bool show_cost,
                                 std::size_t msg_size, const std::string& source) {
  std::string cost =
      show_cost ? fmt::format(", alloc cost {} ns", config.alloc_cost_ns) : std::string();
  if (msg_size != 0) cost += fmt::format(", msg {}", format_size(msg_size));
  return fmt::format("\n== {} writers, {} readers{} (configuration {} of {}{})\n", config.writers,
                     config.readers, cost, config.index + 1, count,
                     source.empty() ? std::string() : ", " + source);
}

std::string format_table_header(bool run_column) {
  return fmt::format("\n{:<{}} {:>4} {:>10} {:>11} {:>9} {:>9} {:>8} {:>8} {:>8} {:>9} {:>10}\n",
                     "target", kNameWidth, run_column ? "run" : "", "writes", "writes/s", "MiB/s",
                     "avg us", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us");
}

std::string format_row(const TargetResult& result, bool run_column) {
  const Metrics m = compute_metrics(result);
  const std::string run = run_column ? fmt::format("{}", result.run_index) : std::string();
  return fmt::format(
      "{:<{}} {:>4} {:>10} {:>11.1f} {:>9.1f} {:>9.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>9.1f} "
      "{:>10.1f}\n",
      result.target, kNameWidth, run, m.writes, m.writes_per_s, m.throughput_mbps, us(m.lat_avg_ns),
      us(m.lat_p50_ns), us(m.lat_p90_ns), us(m.lat_p99_ns), us(m.lat_p999_ns), us(m.lat_max_ns));
}

std::string format_reclaim_row(const TargetResult& result) {
  if (!result.reclaim) return {};
  return fmt::format("{:>{}}  reclaim: {}\n", "", kNameWidth, format_reclaim(*result.reclaim));
}

namespace {

// "14.39", or "-" when the value is missing.
std::string per_write_cell(std::optional<std::uint64_t> total, std::uint64_t writes) {
  return total ? fmt::format("{:.2f}", per_write(*total, writes)) : std::string("-");
}

std::string short_source(const PageTraffic& pages) {
  return pages.source == kPagesFromKernel ? "tracepoints" : "pipepool";
}

}  // namespace

std::string format_pool_table(const std::vector<TargetResult>& results) {
  std::string out;
  for (const auto& r : results) {
    const Metrics m = compute_metrics(r);
    if (!m.pages) continue;
    if (out.empty()) {
      out = fmt::format(
          "\npages per write (source: pipepool = the policy's counters, tracepoints = the kernel's "
          "pipe pages on kmem:mm_page_alloc/mm_page_free; peak = most pages the pool held); pipe "
          "mutex per write (readers' time included): held, waited for, contended acquisitions\n"
          "{:<{}} {:<11} {:>6} {:>6} {:>10} {:>10} {:>9} {:>9} {:>8} {:>5} {:>8} {:>8} {:>9}\n",
          "target", kNameWidth, "source", "alloc", "free", "alloc lock", "alloc out", "free lock",
          "free out", "pool hit", "peak", "hold us", "wait us", "contended");
    }
    const PageTraffic& pages = *m.pages;
    if (!pages.allocs) {
      out += fmt::format("{:<{}} {:<11} unavailable: {}\n", r.target, kNameWidth,
                         short_source(pages), pages.unavailable);
      continue;
    }
    out +=
        fmt::format("{:<{}} {:<11} {:>6} {:>6}", r.target, kNameWidth, short_source(pages),
                    per_write_cell(pages.allocs, m.writes), per_write_cell(pages.frees, m.writes));
    if (!m.pool) {
      out += fmt::format(" {:>10} {:>10} {:>9} {:>9} {:>8} {:>5} {:>8} {:>8} {:>9}\n", "-", "-",
                         "-", "-", "-", "-", "-", "-", "-");
      continue;
    }
    const auto& p = *m.pool;
    const LockPerWrite lock = m.lock.value_or(LockPerWrite{});
    out += fmt::format(
        " {:>10.2f} {:>10.2f} {:>9.2f} {:>9.2f} {:>8.2f} {:>5} {:>8.2f} {:>8.2f} {:>9.2f}\n",
        per_write(p.allocs_in_lock, m.writes), per_write(p.allocs_outside_lock, m.writes),
        per_write(p.frees_in_lock, m.writes), per_write(p.frees_outside_lock, m.writes),
        per_write(p.pool_hits, m.writes), p.pool_peak, lock.hold_ns / 1000.0, lock.wait_ns / 1000.0,
        lock.contended);
  }
  return out;
}

std::string format_ratios(const std::vector<TargetResult>& results, const std::string& baseline) {
  std::vector<std::string> columns;
  if (!baseline.empty() && baseline != "legacy" && baseline != "kernel" && baseline != "memcpy" &&
      baseline != "ring" && find(results, baseline) != nullptr) {
    columns.push_back(baseline);
  }
  // Legacy and kernel come as a pair (a '-' for the one that did not run), as before.
  if (find(results, "legacy") != nullptr || find(results, "kernel") != nullptr) {
    columns.emplace_back("legacy");
    columns.emplace_back("kernel");
  }
  if (find(results, "memcpy") != nullptr) columns.emplace_back("memcpy");
  if (find(results, "ring") != nullptr) columns.emplace_back("ring");
  if (columns.empty()) return {};
  const auto rate = [&](std::string_view target) {
    const TargetResult* r = find(results, target);
    return r == nullptr ? 0.0 : compute_metrics(*r).writes_per_s;
  };
  std::string out = fmt::format("\n{:<{}}", "writes/s", kNameWidth);
  for (const auto& c : columns) out += fmt::format(" {:>10}", "/ " + c);
  out += '\n';
  for (const auto& r : results) {
    const double value = compute_metrics(r).writes_per_s;
    out += fmt::format("{:<{}}", r.target, kNameWidth);
    for (const auto& c : columns) {
      const double den = rate(c);
      out += den > 0 ? fmt::format(" {:>10.2f}", value / den) : fmt::format(" {:>10}", "-");
    }
    out += '\n';
  }
  return out;
}

std::string format_medians(const ConfigResults& results) {
  const std::size_t runs = results.series.empty() ? 0 : results.series.front().runs.size();
  std::string out = fmt::format(
      "\nmedian of {} runs [min-max]\n{:<{}} {:>30} {:>9} {:>8} {:>8} {:>8} {:>9} {:>10}\n", runs,
      "target", kNameWidth, "writes/s", "avg us", "p50 us", "p90 us", "p99 us", "p99.9 us",
      "max us");
  for (const auto& series : results.series) {
    const SeriesStats s = summarize(series);
    const std::string rate = fmt::format("{:.1f} [{:.1f}-{:.1f}]", s.median.writes_per_s,
                                         s.min.writes_per_s, s.max.writes_per_s);
    out += fmt::format("{:<{}} {:>30} {:>9.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>9.1f} {:>10.1f}\n",
                       series.target, kNameWidth, rate, us(s.median.lat_avg_ns),
                       us(s.median.lat_p50_ns), us(s.median.lat_p90_ns), us(s.median.lat_p99_ns),
                       us(s.median.lat_p999_ns), us(s.median.lat_max_ns));
  }
  return out;
}

std::string format_comparisons(const std::vector<Comparison>& comparisons,
                               std::size_t config_index) {
  std::string out;
  std::string baseline;  // a block per baseline, in the order the comparisons come
  for (const auto& c : comparisons) {
    if (c.config_index != config_index || c.metric != kMetricWritesPerS) continue;
    const auto lat = std::find_if(comparisons.begin(), comparisons.end(), [&](const auto& o) {
      return o.config_index == config_index && o.baseline == c.baseline && o.target == c.target &&
             o.metric == kMetricLatAvg;
    });
    if (c.baseline != baseline) {
      baseline = c.baseline;
      out +=
          fmt::format("\nvs {} (ratio [95% CI], {} paired runs)\n{:<{}} {:>28} {:>28}", c.baseline,
                      c.estimate.pairs, "target", kNameWidth, "writes/s", "avg write latency");
      out += c.resolution ? fmt::format("  writes/s CI within {}\n",
                                        half_width_text(c.resolution->ci_target))
                          : std::string("\n");
    }
    out += fmt::format(
        "{:<{}} {:>28} {:>28}", c.target, kNameWidth, ratio_text(c.estimate.ratio, c.estimate.ci95),
        lat == comparisons.end() ? std::string("-")
                                 : ratio_text(lat->estimate.ratio, lat->estimate.ci95));
    out += c.resolution ? "  " + resolution_cell(c) + "\n" : std::string("\n");
  }
  return out;
}

std::string format_sweep_table(const std::vector<ConfigResults>& results, bool show_cost) {
  if (results.empty()) return {};
  std::string out = "\nwrites/s per configuration (median of the runs)\n";
  out += fmt::format("{:>7} {:>7}", "writers", "readers");
  if (show_cost) out += fmt::format(" {:>8}", "cost ns");
  for (const auto& s : results.front().series) out += fmt::format(" {:>15}", s.target);
  out += '\n';
  for (const auto& r : results) {
    out += fmt::format("{:>7} {:>7}", r.config.writers, r.config.readers);
    if (show_cost) out += fmt::format(" {:>8}", r.config.alloc_cost_ns);
    for (const auto& s : r.series)
      out += fmt::format(" {:>15.1f}", summarize(s).median.writes_per_s);
    out += '\n';
  }
  return out;
}

TargetResult pooled(const Series& series) {
  TargetResult out;
  out.target = series.target;
  if (series.runs.empty()) return out;
  out.config = series.runs.front().config;
  for (const auto& r : series.runs) {
    out.run.writes += r.run.writes;
    out.run.bytes_written += r.run.bytes_written;
    out.run.bytes_read += r.run.bytes_read;
    out.run.elapsed_s += r.run.elapsed_s;
    out.run.latency.merge(r.run.latency);
    if (r.run.kernel_pages) {
      if (!out.run.kernel_pages) out.run.kernel_pages.emplace(KernelPageTraffic{0, 0, {}});
      auto& k = *out.run.kernel_pages;
      const auto& add = *r.run.kernel_pages;
      if (add.allocs && k.allocs) {
        *k.allocs += *add.allocs;
        *k.frees += *add.frees;
      } else if (k.allocs) {  // one run without counts: the pooled row has none either
        k = add;
      }
    }
    if (!r.run.pipe_stats) continue;
    if (!out.run.pipe_stats) out.run.pipe_stats.emplace();
    auto& sum = out.run.pipe_stats->pool;
    const auto& p = r.run.pipe_stats->pool;
    sum.allocs_in_lock += p.allocs_in_lock;
    sum.allocs_outside_lock += p.allocs_outside_lock;
    sum.frees_in_lock += p.frees_in_lock;
    sum.frees_outside_lock += p.frees_outside_lock;
    sum.alloc_failures += p.alloc_failures;
    sum.pool_hits += p.pool_hits;
    sum.pool_peak = std::max(sum.pool_peak, p.pool_peak);
    sum.lock_violations += p.lock_violations;
    auto& lock = out.run.pipe_stats->lock;
    const auto& l = r.run.pipe_stats->lock;
    lock.acquisitions += l.acquisitions;
    lock.contended += l.contended;
    lock.hold_ns += l.hold_ns;
    lock.wait_ns += l.wait_ns;
  }
  return out;
}

nlohmann::ordered_json to_json(const RunContext& context,
                               const std::vector<TargetResult>& results) {
  using json = nlohmann::ordered_json;
  json out;
  out["context"] = context_json(context);
  json list = json::array();
  for (const auto& r : results) {
    list.push_back({{"target", r.target},
                    {"config", config_json(r.config, 1)},
                    {"metrics", metrics_json(compute_metrics(r))}});
  }
  out["results"] = std::move(list);
  return out;
}

}  // namespace pipe_bench
