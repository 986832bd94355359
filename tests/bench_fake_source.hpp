// A test-only source of results: fixed runs instead of measured ones, so that the run loop and
// every reporter can be driven without running a workload.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_test_support.hpp"
#include "pipe_bench/run_loop.hpp"
#include "pipe_bench/source.hpp"

namespace bench_test {

// Run `round` of target t (its rank in `writes_per_target`) has writes_per_target[t] writes over
// 2 s, plus `jitter` * (round % 2); every run is recorded in `calls` as "target/round".
class FakeSource final : public pipe_bench::Source {
 public:
  explicit FakeSource(std::map<std::string, std::uint64_t> writes, std::uint64_t jitter = 0)
      : writes_(std::move(writes)), jitter_(jitter) {}

  std::optional<pipe_bench::TargetResult> run(const pipe_bench::Configuration& config,
                                              const std::string& target, unsigned round,
                                              std::FILE* err, int& exit_code) override {
    calls.push_back(target + "/" + std::to_string(round));
    if (target == fail_target) {
      std::fputs("pipe_bench: fake failure\n", err);
      exit_code = 1;
      return std::nullopt;
    }
    auto r =
        make_run(target, writes_.at(target) + jitter_ * (round % 2), round, target != "kernel");
    r.config.writers = config.writers;
    r.config.readers = config.readers;
    if (simulated) {
      r.config.allocator = "simulated";
      r.simulated =
          pipe_bench::SimulatedRun{"engine X",  52,     seed + round - 1,   "costs file F",
                                   "wake-up W", "fifo", {{"syscall", 230}}, "page model P",
                                   {}};
    }
    if (replayed) r.replayed = pipe_bench::ReplayedRun{"t.ppr", "strace", "sh -c x", 55};
    return r;
  }
  double seconds_per_run() const override { return 0; }

  std::vector<std::string> calls;
  std::string fail_target;  // a run of this target fails with exit code 1
  bool simulated = false;   // results say they are simulated, run k with seed + k - 1
  std::uint64_t seed = 7;
  bool replayed = false;  // results say they are replayed

 private:
  std::map<std::string, std::uint64_t> writes_;
  std::uint64_t jitter_;
};

// Records what the loop reports as it goes.
class RecordingObserver final : public pipe_bench::RunObserver {
 public:
  void config_started(const pipe_bench::Configuration& c) override {
    events.push_back("config " + std::to_string(c.index));
  }
  void run_finished(const pipe_bench::TargetResult& r) override {
    events.push_back(r.target + "/" + std::to_string(r.run_index));
  }
  void config_finished(const pipe_bench::ConfigResults& r,
                       const std::vector<pipe_bench::Comparison>& comparisons) override {
    events.push_back("done " + std::to_string(r.config.index) + " with " +
                     std::to_string(comparisons.size()) + " comparisons");
  }
  std::vector<std::string> events;
};

// What `fn(FILE*)` writes to a stream.
template <typename Fn>
std::string captured(Fn fn) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&buffer, &size);
  fn(f);
  std::fclose(f);
  std::string text(buffer, size);
  free(buffer);
  return text;
}

}  // namespace bench_test
