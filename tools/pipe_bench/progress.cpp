#include "pipe_bench/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace pipe_bench {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::FILE* stream, std::size_t total_runs, double seconds_per_run)
    : stream_(stream),
      enabled_(stream != nullptr && ::isatty(::fileno(stream)) == 1),
      total_runs_(total_runs),
      seconds_per_run_(seconds_per_run),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  clear();
}

void Progress::update(std::size_t config, std::size_t configs, const std::string& target,
                      unsigned run, unsigned runs, std::size_t done) {
  if (!enabled_) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Remaining: measured pace once a run has finished, the plan before that.
  const double per_run = done > 0 ? elapsed / static_cast<double>(done) : seconds_per_run_;
  const double remaining = per_run * static_cast<double>(total_runs_ - done);
  const std::string line =
      fmt::format("[config {}/{}] {} run {}/{}, elapsed {}, remaining ~{}", config, configs, target,
                  run, runs, format_duration(elapsed), format_duration(remaining));
  std::fprintf(stream_, "\r\033[K%s", line.c_str());
  std::fflush(stream_);
  shown_ = true;
}

void Progress::update_round(std::size_t config, std::size_t configs, const std::string& target,
                            unsigned round, double worst_half_width, double ci_target,
                            double time_left_s) {
  if (!enabled_) return;
  const auto pct = [](double f) {
    return std::isfinite(f) ? fmt::format("+-{:.1f}%", f * 100) : std::string("n/a");
  };
  const std::string line = fmt::format(
      "[config {}/{}] round {}, {}, worst CI {} (target {}), time left {}", config, configs, round,
      target, pct(worst_half_width), pct(ci_target), format_duration(time_left_s));
  std::fprintf(stream_, "\r\033[K%s", line.c_str());
  std::fflush(stream_);
  shown_ = true;
}

void Progress::clear() {
  if (!enabled_ || !shown_) return;
  std::fputs("\r\033[K", stream_);
  std::fflush(stream_);
  shown_ = false;
}

}  // namespace pipe_bench
