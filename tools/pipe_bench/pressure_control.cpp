#include "pipe_bench/pressure_control.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "pipe_bench/cgroup_location.hpp"
#include "pipe_bench/signals.hpp"

namespace pipe_bench {
namespace {

constexpr auto kMinRamp = std::chrono::milliseconds(1000);
constexpr auto kMaxRamp = std::chrono::milliseconds(30000);
// Per thread besides its message buffer: stack, histogram, a kernel-procs child's own pages.
constexpr std::uint64_t kPerThreadBytes = 256 * 1024;

void print(std::FILE* f, const std::string& text) {
  std::fputs(text.c_str(), f);
  std::fflush(f);
}

std::string gib(std::uint64_t bytes) {
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

std::uint64_t mem_available_bytes() {
  const auto text = read_text_file("/proc/meminfo");
  if (!text) return 0;
  const auto at = text->find("MemAvailable:");
  if (at == std::string::npos) return 0;
  return std::strtoull(text->c_str() + at + 13, nullptr, 10) * 1024;
}

}  // namespace

ReclaimSpec reclaim_spec(const Options& options) {
  ReclaimSpec spec;
  spec.limit_bytes = options.pressure ? options.pressure->cgroup_limit : 0;
  const auto threads = *std::max_element(options.writers.begin(), options.writers.end()) +
                       *std::max_element(options.readers.begin(), options.readers.end());
  spec.working_set_bytes =
      threads * (*std::max_element(options.msg_sizes.begin(), options.msg_sizes.end()) +
                 kPerThreadBytes) +
      4 * std::uint64_t{options.pipe_size};
  return spec;
}

int PressureControl::start(const Options& options, RunContext& context, std::FILE* err) {
  if (!options.pressure) return 0;
  std::string error;
  PressureInfo info;
  const auto t0 = std::chrono::steady_clock::now();
  if (options.pressure->mode == PressureMode::cgroup) {
    const ReclaimSpec spec = reclaim_spec(options);
    cgroup_ = ReclaimCgroup::start(spec, error, &interrupt_flag());
    if (!cgroup_) {
      if (interrupted()) return kInterruptedExitCode;
      // Exit 2 when no cgroup can be made here at all (as the option check says), else 1.
      const bool impossible = ReclaimCgroup::unavailable(spec).has_value();
      print(err, fmt::format("pipe_bench: --memory-pressure: {}{}\n", error,
                             impossible ? " (--memory-pressure=stress-ng needs no cgroup)" : ""));
      return impossible ? 2 : 1;
    }
    info.mode = "cgroup";
    info.cgroup = cgroup_->dir();
    info.cgroup_version = cgroup_->version();
    info.limit_bytes = cgroup_->limit_bytes();
    info.cache_file_bytes = cgroup_->cache_file_bytes();
    info.cache_dir = cgroup_->cache_dir();
    info.idle_reclaim = cgroup_->idle_delta();
    info.idle_s = cgroup_->idle_probe_s();
    info.command = fmt::format(
        "memory cgroup v{} {}, limit {:.1f} MiB, kept full of the page cache of a {:.1f} MiB file "
        "in {}",
        info.cgroup_version, info.cgroup, static_cast<double>(info.limit_bytes) / (1024.0 * 1024.0),
        static_cast<double>(info.cache_file_bytes) / (1024.0 * 1024.0), info.cache_dir);
  } else {
    stress_ = MemoryPressure::start(*options.pressure, options.stress_ng, error);
    if (!stress_) {
      print(err, fmt::format("pipe_bench: {}\n", error));
      return 1;
    }
    if (!stress_->ramp_up(kMinRamp, kMaxRamp, &interrupt_flag(), error)) {
      if (interrupted()) return kInterruptedExitCode;
      print(err, fmt::format("pipe_bench: {}\n", error));
      return 1;
    }
    info.command = describe(stress_->spec());
    info.workers = stress_->spec().workers;
    info.vm_bytes = stress_->spec().vm_bytes;
    info.method = stress_->spec().method;
    info.rss_bytes_at_start = stress_->rss_bytes();
  }
  info.ramp_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  context.pressure = info;
  return 0;
}

ReclaimCounters PressureControl::sample() const {
  if (cgroup_) return cgroup_->read();
  return read_reclaim_counters({}, "global /proc/vmstat");
}

std::optional<std::uint64_t> PressureControl::stress_rss() const {
  if (!stress_) return std::nullopt;
  return stress_->rss_bytes();
}

bool PressureControl::healthy(std::string& error) {
  std::string why;
  if (!cgroup_ || cgroup_->cache_child_running(why)) return true;
  error = "--memory-pressure: the page-cache child " + why + "; the cgroup no longer reclaims";
  return false;
}

std::string PressureControl::no_reclaim_reason() const {
  if (cgroup_) return "cgroup " + cgroup_->usage_note();
  return fmt::format(
      "the machine never ran short of memory (no global direct reclaim; MemAvailable now {}); "
      "--memory-pressure=cgroup makes allocations reclaim",
      gib(mem_available_bytes()));
}

void PressureControl::stop(std::FILE* err) {
  if (stress_) {
    if (!stress_->running()) {
      print(err, "pipe_bench: --memory-pressure: stress-ng exited before the end of the runs\n");
    }
    stress_->stop();
  }
  if (cgroup_) {
    std::string error;
    if (!cgroup_->stop(error))
      print(err, fmt::format("pipe_bench: --memory-pressure: {}\n", error));
  }
}

std::string no_reclaim_note(const std::vector<ConfigResults>& results, const std::string& reason) {
  std::size_t total = 0;
  std::vector<std::string> without;
  for (const auto& config : results) {
    for (const auto& series : config.series) {
      for (const auto& run : series.runs) {
        if (!run.reclaim) continue;
        ++total;
        if (!reclaimed(run)) {
          without.push_back(results.size() > 1
                                ? fmt::format("{} run {} of configuration {}", run.target,
                                              run.run_index, config.config.index + 1)
                                : fmt::format("{} run {}", run.target, run.run_index));
        }
      }
    }
  }
  if (without.empty()) return {};
  constexpr std::size_t kListed = 6;
  const std::size_t count = without.size();
  const std::string more =
      without.size() > kListed ? fmt::format(", +{} more", without.size() - kListed) : "";
  without.resize(std::min(without.size(), kListed));
  return fmt::format("no reclaim was caused in {} of {} runs ({}{}): {}", count, total,
                     fmt::join(without, ", "), more, reason);
}

}  // namespace pipe_bench
