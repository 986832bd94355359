// The progress line on stderr ("[config 3/9] unified run 2/3, elapsed 0:42, remaining ~1:10";
// with --runs auto "[config 3/9] round 7, unified, worst CI +-12.3% (target +-5.0%), time left
// 0:41"), redrawn in place. Silent unless the stream is a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace pipe_bench {

class Progress {
 public:
  // `total_runs` runs of about `seconds_per_run` each are planned.
  Progress(std::FILE* stream, std::size_t total_runs, double seconds_per_run);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  // A run is about to start; `done` runs have finished.
  void update(std::size_t config, std::size_t configs, const std::string& target, unsigned run,
              unsigned runs, std::size_t done);
  // --runs auto: round `round` of a configuration is about to run `target`. `worst_half_width`
  // (+infinity before a CI exists) and `ci_target` are fractions; `time_left_s` is what is left
  // of the configuration's budget.
  void update_round(std::size_t config, std::size_t configs, const std::string& target,
                    unsigned round, double worst_half_width, double ci_target, double time_left_s);
  // Erases the line (before other output, and at the end).
  void clear();

 private:
  std::FILE* stream_;
  bool enabled_;
  std::size_t total_runs_;
  double seconds_per_run_;
  std::chrono::steady_clock::time_point start_;
  bool shown_ = false;
};

// "1:05" for 65 s, "1:01:05" for 3665 s.
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace pipe_bench
