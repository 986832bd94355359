// Summaries of the probe's samples: median, p10 / p90, and a bootstrap 95% CI of the median.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pipe_bench {

// One probe figure in nanoseconds. `samples` is how many values it summarizes (0: no data, every
// field 0).
struct Figure {
  double median = 0;
  double p10 = 0;
  double p90 = 0;
  double ci_lo = 0;  // percentile bootstrap 95% CI of the median
  double ci_hi = 0;
  std::size_t samples = 0;
};

// The q-quantile (0..1) of `values`, linear between order statistics. 0 when empty.
[[nodiscard]] double quantile(std::vector<double> values, double q);

// Median, p10, p90 of `values`, and the 2.5% / 97.5% quantiles of the medians of
// `resamples` bootstrap resamples drawn with a generator seeded by `seed` (deterministic).
[[nodiscard]] Figure summarize(const std::vector<double>& values, unsigned resamples = 200,
                               std::uint64_t seed = 1);

}  // namespace pipe_bench
