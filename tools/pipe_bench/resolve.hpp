// --runs auto: when a configuration has been measured enough. Pure arithmetic, no I/O and no
// clock, so that the stopping rule can be driven by made-up samples.
//
// Half-width. The 95% CI of a paired ratio (compare.hpp) is [lo, hi] around the ratio r; its
// half-width is max(hi / r - 1, 1 - lo / r), the larger relative distance from the ratio to an
// end of its CI. The CI is symmetric in log space (lo = r e^-h, hi = r e^h), so this is e^h - 1,
// the upper side. "Within 5%" means half-width <= 0.05: both ends lie within 5% of the ratio.
//
// Stopping rule, checked after each round (one run of every target) of a configuration:
//   1. fewer than kAutoMinRounds rounds: continue. With 2 rounds the CI rests on 1 degree of
//      freedom (t = 12.7) and its width is mostly the luck of how close two ratios fell; 3 rounds
//      (t = 4.3) is the least that makes a narrow CI mean something.
//   2. every comparison resolved (half-width <= the target): stop, resolved.
//   3. kAutoMaxRounds rounds run: stop, round cap.
//   4. another round, at the mean pace of the rounds so far, would end past the configuration's
//      budget: stop, time limit.
//   5. otherwise continue.
// A configuration with no comparison (a single target) is resolved after the minimum rounds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/compare.hpp"

namespace pipe_bench {

inline constexpr unsigned kAutoMinRounds = 3;
inline constexpr unsigned kAutoMaxRounds = 1000;
inline constexpr double kDefaultCiTargetPct = 5;
inline constexpr double kDefaultMaxTimeS = 600;

// max(hi / ratio - 1, 1 - lo / ratio) as a fraction (0.05 is +-5%); +infinity without a CI.
[[nodiscard]] double ci_half_width(const RatioEstimate& estimate) noexcept;

enum class StopReason { resolved, time_limit, round_cap };

// "resolved", "time limit", "round cap" (text); "resolved", "time_limit", "round_cap" (JSON).
[[nodiscard]] const char* to_text(StopReason reason) noexcept;
[[nodiscard]] const char* to_key(StopReason reason) noexcept;

// One requested comparison's measurements so far: element i of each vector is round i.
struct PairedSamples {
  std::string target;
  std::string baseline;
  std::vector<double> target_values;
  std::vector<double> baseline_values;
};

struct ComparisonStatus {
  std::string target;
  std::string baseline;
  double half_width = 0;  // fraction; +infinity without a CI (fewer than 2 valid pairs)
  bool resolved = false;
};

struct StopRule {
  double ci_target = kDefaultCiTargetPct / 100;  // half-width to reach, as a fraction
  unsigned min_rounds = kAutoMinRounds;
  unsigned max_rounds = kAutoMaxRounds;
};

struct RoundDecision {
  bool stop = false;
  std::optional<StopReason> reason;           // set when `stop`
  std::vector<ComparisonStatus> comparisons;  // in the order of the samples
  double worst_half_width = 0;                // the largest; 0 with no comparison
};

// The rule above, after `rounds` rounds that took `elapsed_s` of the configuration's `budget_s`.
[[nodiscard]] RoundDecision decide(const std::vector<PairedSamples>& samples, unsigned rounds,
                                   double elapsed_s, double budget_s, const StopRule& rule);

// The time configuration `index` (0-based) of `configs` may use, when the configurations before
// it used `spent_s` of `max_time_s` in all: what is left, split evenly over it and the ones after
// it. Time a resolved configuration did not use thus goes to the ones after it; an overrun is
// taken from them. Never negative.
[[nodiscard]] double configuration_budget_s(double max_time_s, std::size_t configs,
                                            std::size_t index, double spent_s) noexcept;

}  // namespace pipe_bench
