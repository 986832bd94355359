// Statistics over repeated runs: medians, and the ratio of a target to the baseline over paired
// runs with a 95% confidence interval.
//
// Run i of the target and run i of the baseline ran back to back (interleaved), so they form a
// pair that shares the machine's drift. Per pair r_i = target_i / baseline_i. The reported ratio
// is the geometric mean of the r_i; the 95% CI is exp(mean(ln r) +- t(0.975, n-1) * sd(ln r) /
// sqrt(n)) (Student's t on the log-ratios). The ratio therefore always lies inside its CI. With a
// single pair there is no CI.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace pipe_bench {

inline constexpr const char* kCiMethod = "student_t_paired_log_ratio";
inline constexpr const char* kCiMethodText =
    "ratio = geometric mean of the per-run ratios target/baseline over paired runs (run i of "
    "each); 95% CI = Student's t on the logs of those ratios, n-1 degrees of freedom (none with "
    "a single run)";

// The middle value; the mean of the two middle values for an even count. 0 when empty.
[[nodiscard]] double median(std::vector<double> values);

// The 97.5th percentile of Student's t with `df` >= 1 degrees of freedom (two-sided 95%).
[[nodiscard]] double t_quantile_975(unsigned df) noexcept;

struct RatioEstimate {
  double ratio = 0;
  std::optional<std::pair<double, double>> ci95;  // nullopt with fewer than 2 pairs
  unsigned pairs = 0;
};

// nullopt when the vectors are empty, differ in length, or hold a value <= 0.
[[nodiscard]] std::optional<RatioEstimate> paired_ratio(const std::vector<double>& target,
                                                        const std::vector<double>& baseline);

}  // namespace pipe_bench
