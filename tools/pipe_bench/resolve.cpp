#include "pipe_bench/resolve.hpp"

#include <algorithm>
#include <cmath>

namespace pipe_bench {

double ci_half_width(const RatioEstimate& estimate) noexcept {
  if (!estimate.ci95 || !(estimate.ratio > 0)) return INFINITY;
  const auto [lo, hi] = *estimate.ci95;
  return std::max(hi / estimate.ratio - 1, 1 - lo / estimate.ratio);
}

const char* to_text(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::resolved:
      return "resolved";
    case StopReason::time_limit:
      return "time limit";
    case StopReason::round_cap:
      return "round cap";
  }
  return "?";
}

const char* to_key(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::resolved:
      return "resolved";
    case StopReason::time_limit:
      return "time_limit";
    case StopReason::round_cap:
      return "round_cap";
  }
  return "?";
}

RoundDecision decide(const std::vector<PairedSamples>& samples, unsigned rounds, double elapsed_s,
                     double budget_s, const StopRule& rule) {
  RoundDecision out;
  bool all_resolved = true;
  for (const auto& s : samples) {
    const auto estimate = paired_ratio(s.target_values, s.baseline_values);
    ComparisonStatus status{s.target, s.baseline, estimate ? ci_half_width(*estimate) : INFINITY,
                            false};
    status.resolved = status.half_width <= rule.ci_target;
    all_resolved = all_resolved && status.resolved;
    out.worst_half_width = std::max(out.worst_half_width, status.half_width);
    out.comparisons.push_back(std::move(status));
  }
  const auto stop = [&](StopReason reason) {
    out.stop = true;
    out.reason = reason;
    return out;
  };
  if (rounds == 0 || rounds < rule.min_rounds) return out;
  if (all_resolved) return stop(StopReason::resolved);
  if (rounds >= rule.max_rounds) return stop(StopReason::round_cap);
  const double per_round = elapsed_s / rounds;
  if (elapsed_s + per_round > budget_s) return stop(StopReason::time_limit);
  return out;
}

double configuration_budget_s(double max_time_s, std::size_t configs, std::size_t index,
                              double spent_s) noexcept {
  if (index >= configs) return 0;
  const double left = max_time_s - spent_s;
  return std::max(0.0, left / static_cast<double>(configs - index));
}

}  // namespace pipe_bench
