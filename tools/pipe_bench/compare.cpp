#include "pipe_bench/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace pipe_bench {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double t_quantile_975(unsigned df) noexcept {
  static constexpr std::array<double, 30> kTable{
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return INFINITY;
  if (df <= kTable.size()) return kTable[df - 1];
  // Beyond 30, interpolate linearly in 1/df between tabulated points down to z = 1.960.
  struct Point {
    double df;
    double t;
  };
  static constexpr std::array<Point, 5> kTail{
      {{30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}, {INFINITY, 1.960}}};
  const double x = 1.0 / df;
  for (std::size_t i = 0; i + 1 < kTail.size(); ++i) {
    const double x0 = 1.0 / kTail[i].df;
    const double x1 = 1.0 / kTail[i + 1].df;
    if (x <= x0 && x >= x1) {
      return kTail[i + 1].t + (kTail[i].t - kTail[i + 1].t) * (x - x1) / (x0 - x1);
    }
  }
  return 1.960;
}

std::optional<RatioEstimate> paired_ratio(const std::vector<double>& target,
                                          const std::vector<double>& baseline) {
  if (target.empty() || target.size() != baseline.size()) return std::nullopt;
  std::vector<double> logs;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (!(target[i] > 0) || !(baseline[i] > 0)) return std::nullopt;
    logs.push_back(std::log(target[i] / baseline[i]));
  }
  const double n = static_cast<double>(logs.size());
  double mean = 0;
  for (const double l : logs) mean += l;
  mean /= n;
  RatioEstimate out;
  out.ratio = std::exp(mean);
  out.pairs = static_cast<unsigned>(logs.size());
  if (logs.size() >= 2) {
    double ss = 0;
    for (const double l : logs) ss += (l - mean) * (l - mean);
    const double sd = std::sqrt(ss / (n - 1));
    const double half = t_quantile_975(out.pairs - 1) * sd / std::sqrt(n);
    out.ci95 = std::pair{std::exp(mean - half), std::exp(mean + half)};
  }
  return out;
}

}  // namespace pipe_bench
