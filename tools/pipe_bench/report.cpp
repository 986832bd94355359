#include "pipe_bench/report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pipe_bench/options.hpp"

namespace pipe_bench {
namespace {

double us(double ns) {
  return ns / 1000.0;
}

std::string allocator_text(const RunConfig& config) {
  if (config.allocator == "model") {
    return fmt::format("model (alloc cost {} ns)", config.alloc_cost_ns);
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

}  // namespace

std::string format_header(const RunConfig& config, const RunContext& context) {
  return fmt::format(
      "pipe_bench: {} writers, {} readers, msg {}, pipe {}, {:g} s per target, allocator {}\n"
      "host {}, kernel {}, {} x {}, {} build, pipepool {}, {}\n",
      config.writers, config.readers, format_size(config.msg_size), format_size(config.pipe_size),
      config.duration_s, allocator_text(config), context.host, context.kernel, context.cores,
      context.cpu_model, context.build_type, context.pipepool_version, context.date);
}

std::string format_table_header() {
  return fmt::format("\n{:<10} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10}\n", "target", "writes",
                     "writes/s", "MiB/s", "avg us", "p50 us", "p99 us", "max us");
}

std::string format_row(const TargetResult& result) {
  const Metrics m = compute_metrics(result);
  return fmt::format("{:<10} {:>10} {:>11.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>10.1f}\n",
                     result.target, m.writes, m.writes_per_s, m.throughput_mbps, us(m.lat_avg_ns),
                     us(static_cast<double>(m.lat_p50_ns)), us(static_cast<double>(m.lat_p99_ns)),
                     us(static_cast<double>(m.lat_max_ns)));
}

std::string format_pool_table(const std::vector<TargetResult>& results) {
  std::string out;
  for (const auto& r : results) {
    const Metrics m = compute_metrics(r);
    if (!m.pool) continue;
    if (out.empty()) {
      out = fmt::format(
          "\npages per write (pipepool targets; peak = most pages the pool held)\n"
          "{:<10} {:>10} {:>11} {:>9} {:>10} {:>9} {:>9}\n",
          "target", "alloc lock", "alloc out", "free lock", "free out", "pool hit", "peak");
    }
    const auto& p = *m.pool;
    out += fmt::format(
        "{:<10} {:>10.2f} {:>11.2f} {:>9.2f} {:>10.2f} {:>9.2f} {:>9}\n", r.target,
        per_write(p.allocs_in_lock, m.writes), per_write(p.allocs_outside_lock, m.writes),
        per_write(p.frees_in_lock, m.writes), per_write(p.frees_outside_lock, m.writes),
        per_write(p.pool_hits, m.writes), p.pool_peak);
  }
  return out;
}

std::string format_ratios(const std::vector<TargetResult>& results) {
  const TargetResult* legacy = find(results, "legacy");
  const TargetResult* kernel = find(results, "kernel");
  if (legacy == nullptr && kernel == nullptr) return {};
  const auto rate = [](const TargetResult* r) {
    return r == nullptr ? 0.0 : compute_metrics(*r).writes_per_s;
  };
  const double legacy_rate = rate(legacy);
  const double kernel_rate = rate(kernel);
  const auto ratio = [](double num, double den) {
    return den > 0 ? fmt::format("{:.2f}", num / den) : std::string("-");
  };
  std::string out = fmt::format("\n{:<10} {:>10} {:>10}\n", "writes/s", "/ legacy", "/ kernel");
  for (const auto& r : results) {
    const double value = rate(&r);
    out += fmt::format("{:<10} {:>10} {:>10}\n", r.target, ratio(value, legacy_rate),
                       ratio(value, kernel_rate));
  }
  return out;
}

nlohmann::ordered_json to_json(const RunContext& context,
                               const std::vector<TargetResult>& results) {
  using json = nlohmann::ordered_json;
  json out;
  out["context"] = {{"date", context.date},
                    {"host", context.host},
                    {"kernel", context.kernel},
                    {"cpu_model", context.cpu_model},
                    {"cores", context.cores},
                    {"build_type", context.build_type},
                    {"pipepool_version", context.pipepool_version}};
  json list = json::array();
  for (const auto& r : results) {
    const Metrics m = compute_metrics(r);
    const auto pool = [&](std::uint64_t pipepool::PoolStats::*field) -> json {
      return m.pool ? json((*m.pool).*field) : json(nullptr);
    };
    list.push_back({{"target", r.target},
                    {"config",
                     {{"writers", r.config.writers},
                      {"readers", r.config.readers},
                      {"msg_size", r.config.msg_size},
                      {"duration_s", r.config.duration_s},
                      {"pipe_size", r.config.pipe_size},
                      {"allocator", r.config.allocator}}},
                    {"metrics",
                     {{"writes", m.writes},
                      {"writes_per_s", m.writes_per_s},
                      {"throughput_mbps", m.throughput_mbps},
                      {"lat_avg_ns", m.lat_avg_ns},
                      {"lat_p50_ns", m.lat_p50_ns},
                      {"lat_p99_ns", m.lat_p99_ns},
                      {"lat_max_ns", m.lat_max_ns},
                      {"bytes_written", m.bytes_written},
                      {"bytes_read", m.bytes_read},
                      {"allocs_in_lock", pool(&pipepool::PoolStats::allocs_in_lock)},
                      {"allocs_outside_lock", pool(&pipepool::PoolStats::allocs_outside_lock)},
                      {"frees_in_lock", pool(&pipepool::PoolStats::frees_in_lock)},
                      {"frees_outside_lock", pool(&pipepool::PoolStats::frees_outside_lock)},
                      {"pool_hits", pool(&pipepool::PoolStats::pool_hits)},
                      {"pool_peak", pool(&pipepool::PoolStats::pool_peak)}}}});
  }
  out["results"] = std::move(list);
  return out;
}

}  // namespace pipe_bench
