#include "pipe_bench/resolve_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace pipe_bench {

using json = nlohmann::ordered_json;

std::vector<PairedSamples> writes_per_s_samples(const ConfigResults& results,
                                                const std::vector<std::string>& baselines) {
  std::vector<PairedSamples> out;
  for (const auto& baseline : baselines) {
    const auto base = std::find_if(results.series.begin(), results.series.end(),
                                   [&](const Series& s) { return s.target == baseline; });
    if (base == results.series.end()) continue;
    for (const auto& series : results.series) {
      if (series.target == baseline) continue;
      PairedSamples samples{series.target, baseline, {}, {}};
      const std::size_t n = std::min(series.runs.size(), base->runs.size());
      for (std::size_t i = 0; i < n; ++i) {
        samples.target_values.push_back(compute_metrics(series.runs[i]).writes_per_s);
        samples.baseline_values.push_back(compute_metrics(base->runs[i]).writes_per_s);
      }
      out.push_back(std::move(samples));
    }
  }
  return out;
}

void attach_resolution(std::vector<Comparison>& comparisons, std::size_t config_index,
                       const RoundDecision& decision, unsigned rounds, double ci_target) {
  for (auto& c : comparisons) {
    if (c.config_index != config_index) continue;
    Resolution r;
    r.ci_target = ci_target;
    r.rounds = rounds;
    r.stop = decision.reason.value_or(StopReason::time_limit);
    r.half_width = ci_half_width(c.estimate);
    if (c.metric == kMetricWritesPerS) {
      const auto status = std::find_if(decision.comparisons.begin(), decision.comparisons.end(),
                                       [&](const ComparisonStatus& s) {
                                         return s.target == c.target && s.baseline == c.baseline;
                                       });
      if (status != decision.comparisons.end()) r.half_width = status->half_width;
    }
    r.resolved = r.half_width <= ci_target;
    c.resolution = r;
  }
}

std::string half_width_text(double half_width) {
  if (!std::isfinite(half_width)) return "n/a";
  return fmt::format("+-{:.1f}%", half_width * 100);
}

std::string resolution_cell(const Comparison& c) {
  if (!c.resolution) return {};
  const Resolution& r = *c.resolution;
  if (r.resolved) return "resolved " + half_width_text(r.half_width);
  return fmt::format("NOT resolved {} ({} rounds, {})", half_width_text(r.half_width), r.rounds,
                     to_text(r.stop));
}

std::string config_label(const std::vector<ConfigResults>& results, std::size_t config_index) {
  const auto it = std::find_if(results.begin(), results.end(), [&](const ConfigResults& r) {
    return r.config.index == config_index;
  });
  if (it == results.end()) return fmt::format("configuration {}", config_index + 1);
  std::set<std::uint64_t> costs;
  for (const auto& r : results) costs.insert(r.config.alloc_cost_ns);
  const Configuration& c = it->config;
  return costs.size() > 1 ? fmt::format("{}w/{}r/{}ns", c.writers, c.readers, c.alloc_cost_ns)
                          : fmt::format("{}w/{}r", c.writers, c.readers);
}

std::string format_unresolved(const std::vector<ConfigResults>& results,
                              const std::vector<Comparison>& comparisons) {
  std::string out;
  for (const auto& c : comparisons) {
    if (c.metric != kMetricWritesPerS || !c.resolution || c.resolution->resolved) continue;
    out += fmt::format("not resolved: {} / {} at {}: {} after {} rounds ({})\n", c.target,
                       c.baseline, config_label(results, c.config_index),
                       half_width_text(c.resolution->half_width), c.resolution->rounds,
                       to_text(c.resolution->stop));
  }
  return out;
}

std::string format_resolution(const std::vector<ConfigResults>& results,
                              const std::vector<Comparison>& comparisons) {
  std::size_t total = 0, resolved = 0;
  double target = 0;
  for (const auto& c : comparisons) {
    if (c.metric != kMetricWritesPerS || !c.resolution) continue;
    ++total;
    if (c.resolution->resolved) ++resolved;
    target = c.resolution->ci_target;
  }
  if (total == 0) return {};
  return fmt::format("\nresolution (writes/s, 95% CI half-width within {}): {} of {} resolved\n",
                     half_width_text(target), resolved, total) +
         format_unresolved(results, comparisons);
}

json resolution_json(const Comparison& c) {
  const double hw = c.resolution ? c.resolution->half_width : ci_half_width(c.estimate);
  json out;
  out["half_width_pct"] = std::isfinite(hw) ? json(hw * 100) : json(nullptr);
  if (!c.resolution) {
    out["resolved"] = nullptr;
    out["rounds"] = nullptr;
    out["stop_reason"] = nullptr;
    return out;
  }
  out["resolved"] = c.resolution->resolved;
  out["rounds"] = c.resolution->rounds;
  out["stop_reason"] = to_key(c.resolution->stop);
  return out;
}

json runs_options_json(const Options& options) {
  json out;
  out["runs"] = options.runs_auto ? json("auto") : json(options.runs);
  out["ci_target_pct"] = options.runs_auto ? json(options.ci_target_pct) : json(nullptr);
  out["max_time_s"] = options.runs_auto ? json(options.max_time_s) : json(nullptr);
  return out;
}

}  // namespace pipe_bench
