#include "pipe_bench/measured_source.hpp"

#include <fmt/format.h>

#include "pipe_bench/runner.hpp"

namespace pipe_bench {

std::optional<TargetResult> MeasuredSource::run(const Configuration& config,
                                                const std::string& target, unsigned /*round*/,
                                                std::FILE* err, int& exit_code) {
  const auto rss = pressure_.stress_rss();
  const auto before = pressure_.active() ? std::optional(pressure_.sample()) : std::nullopt;
  auto result = run_target(options_, config, target, err, exit_code);
  if (!result || result->run.cancelled) return result;
  if (std::string error; !pressure_.healthy(error)) {
    std::fputs(fmt::format("pipe_bench: {}\n", error).c_str(), err);
    std::fflush(err);
    exit_code = 1;
    return std::nullopt;
  }
  result->pressure_rss_bytes = rss;
  if (before) result->reclaim = reclaim_delta(*before, pressure_.sample());
  return result;
}

double MeasuredSource::seconds_per_run() const {
  return options_.duration_s + kRunOverheadS;
}

}  // namespace pipe_bench
