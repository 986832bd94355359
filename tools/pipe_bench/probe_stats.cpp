#include "pipe_bench/probe_stats.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace pipe_bench {
namespace {

double sorted_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

// The median, the mean of the two middle values for an even count; reorders `values`.
double median_in_place(std::vector<double>& values) {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

}  // namespace

double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return sorted_quantile(values, q);
}

Figure summarize(const std::vector<double>& values, unsigned resamples, std::uint64_t seed) {
  Figure f;
  if (values.empty()) return f;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  f.samples = sorted.size();
  f.median = sorted_quantile(sorted, 0.5);
  f.p10 = sorted_quantile(sorted, 0.1);
  f.p90 = sorted_quantile(sorted, 0.9);
  f.ci_lo = f.ci_hi = f.median;
  if (resamples == 0 || sorted.size() < 2) return f;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, sorted.size() - 1);
  std::vector<double> medians;
  medians.reserve(resamples);
  std::vector<double> draw(sorted.size());
  for (unsigned r = 0; r < resamples; ++r) {
    for (auto& v : draw) v = sorted[pick(rng)];
    medians.push_back(median_in_place(draw));
  }
  std::sort(medians.begin(), medians.end());
  f.ci_lo = sorted_quantile(medians, 0.025);
  f.ci_hi = sorted_quantile(medians, 0.975);
  return f;
}

}  // namespace pipe_bench
