#include "pipe_bench/replay/replay_report.hpp"

#include <fmt/format.h>

#include "pipe_bench/result.hpp"

namespace pipe_bench::replay {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double mib_moved(const ReplayCounts& c) {
  return static_cast<double>(c.bytes_written) / kMiB;
}

std::optional<double> pages_per_mib(const ReplayCounts& c) {
  if (c.bytes_written == 0) return std::nullopt;
  return static_cast<double>(c.allocs) / mib_moved(c);
}

}  // namespace

std::optional<double> percent_of_kernel(const ReplayReport& report, std::uint64_t allocs) {
  const auto& k = report.recording.kernel;
  if (!k.allocs || *k.allocs == 0) return std::nullopt;
  return 100.0 * (static_cast<double>(allocs) - static_cast<double>(*k.allocs)) /
         static_cast<double>(*k.allocs);
}

std::optional<double> vs_kernel_percent(const ReplayReport& report, const ReplayCounts& counts) {
  return percent_of_kernel(report, counts.allocs);
}

void print_replay_table(const ReplayReport& report, std::FILE* out) {
  const Recording& rec = report.recording;
  std::fprintf(out, "replay of %s (recorder %s): %s\n", report.file.c_str(), rec.recorder.c_str(),
               rec.command.c_str());
  if (report.pool_sizes != pipepool::PoolSizes{}) {
    std::fprintf(out, "pool sizes: legacy cache %u, keep %u, max %u pages\n",
                 report.pool_sizes.legacy_cache, report.pool_sizes.keep, report.pool_sizes.max);
  }
  std::fprintf(out, "%-9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %9s %10s %9s\n", "target", "allocs",
               "in lock", "outside", "frees", "in lock", "outside", "release", "pool hit", "peak",
               "MiB", "pages/MiB", "vs kernel");
  if (rec.kernel.allocs && rec.kernel.frees) {
    std::fprintf(out, "%-9s %9llu %9s %9s %9llu %9s %9s %9s %9s %6s %9s %10s %9s\n", "kernel",
                 static_cast<unsigned long long>(*rec.kernel.allocs), "-", "-",
                 static_cast<unsigned long long>(*rec.kernel.frees), "-", "-", "-", "-", "-", "-",
                 "-", "-");
  } else {
    std::fprintf(out, "%-9s unavailable: %s\n", "kernel", rec.kernel.unavailable.c_str());
  }
  if (report.kernel_replay) {
    const KernelReplay& kr = *report.kernel_replay;
    if (kr.count.allocs && kr.count.frees) {
      const double mib = static_cast<double>(kr.bytes_written) / kMiB;
      const auto vs = percent_of_kernel(report, *kr.count.allocs);
      std::fprintf(out, "%-9s %9llu %9s %9s %9llu %9s %9s %9s %9s %6s %9.1f %10s %9s\n", "k-replay",
                   static_cast<unsigned long long>(*kr.count.allocs), "-", "-",
                   static_cast<unsigned long long>(*kr.count.frees), "-", "-", "-", "-", "-", mib,
                   mib > 0 ? fmt::format("{:.1f}", *kr.count.allocs / mib).c_str() : "-",
                   vs ? fmt::format("{:+.1f}%", *vs).c_str() : "-");
    } else {
      std::fprintf(out, "%-9s unavailable: %s\n", "k-replay", kr.count.unavailable.c_str());
    }
  }
  for (const ReplayRow& row : report.rows) {
    if (!row.counts) continue;
    const ReplayCounts& c = *row.counts;
    const auto ppm = pages_per_mib(c);
    const auto vs = vs_kernel_percent(report, c);
    std::fprintf(out, "%-9s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %6llu %9.1f %10s %9s\n",
                 row.target.c_str(), static_cast<unsigned long long>(c.allocs),
                 static_cast<unsigned long long>(c.pool.allocs_in_lock),
                 static_cast<unsigned long long>(c.pool.allocs_outside_lock),
                 static_cast<unsigned long long>(c.frees),
                 static_cast<unsigned long long>(c.pool.frees_in_lock),
                 static_cast<unsigned long long>(c.pool.frees_outside_lock),
                 static_cast<unsigned long long>(c.frees_at_release),
                 static_cast<unsigned long long>(c.pool.pool_hits),
                 static_cast<unsigned long long>(c.pool.pool_peak), mib_moved(c),
                 ppm ? fmt::format("{:.1f}", *ppm).c_str() : "-",
                 vs ? fmt::format("{:+.1f}%", *vs).c_str() : "-");
  }
  for (const ReplayRow& row : report.rows) {
    if (row.target != "legacy" || !row.counts) continue;
    const auto vs = vs_kernel_percent(report, *row.counts);
    if (vs) {
      std::fprintf(out, "legacy vs kernel: %+.1f%% pages allocated (%llu vs %llu)\n", *vs,
                   static_cast<unsigned long long>(row.counts->allocs),
                   static_cast<unsigned long long>(*rec.kernel.allocs));
    }
    if (report.kernel_replay && report.kernel_replay->count.allocs &&
        *report.kernel_replay->count.allocs > 0) {
      const double k = static_cast<double>(*report.kernel_replay->count.allocs);
      std::fprintf(out,
                   "legacy vs kernel-replay (the same calls on kernel pipes): %+.1f%% (%llu vs "
                   "%llu)\n",
                   100.0 * (static_cast<double>(row.counts->allocs) - k) / k,
                   static_cast<unsigned long long>(row.counts->allocs),
                   static_cast<unsigned long long>(*report.kernel_replay->count.allocs));
    }
    if (row.counts->short_calls > 0) {
      std::fprintf(out, "note: %llu recorded calls could not move all their bytes in the replay\n",
                   static_cast<unsigned long long>(row.counts->short_calls));
    }
  }
}

nlohmann::json replay_json(const ReplayReport& report) {
  const Recording& rec = report.recording;
  nlohmann::json j;
  j["mode"] = "replay";
  j["recording"] = report.file;
  j["command"] = rec.command;
  j["recorder"] = rec.recorder;
  j["calls"] = rec.calls.size();
  j["pool_sizes"] = {{"legacy_cache", report.pool_sizes.legacy_cache},
                     {"keep", report.pool_sizes.keep},
                     {"max", report.pool_sizes.max}};
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json kernel;
  kernel["target"] = "kernel";
  kernel["source"] = kPagesFromKernel;
  if (rec.kernel.allocs && rec.kernel.frees) {
    kernel["pages_allocated"] = *rec.kernel.allocs;
    kernel["pages_freed"] = *rec.kernel.frees;
  } else {
    kernel["unavailable"] = rec.kernel.unavailable;
  }
  rows.push_back(kernel);
  if (report.kernel_replay) {
    const KernelReplay& kr = *report.kernel_replay;
    nlohmann::json r;
    r["target"] = "kernel-replay";
    r["source"] = kPagesFromKernel;
    if (kr.count.allocs && kr.count.frees) {
      r["pages_allocated"] = *kr.count.allocs;
      r["pages_freed"] = *kr.count.frees;
      r["bytes_written"] = kr.bytes_written;
      if (const auto vs = percent_of_kernel(report, *kr.count.allocs)) r["vs_kernel_pct"] = *vs;
    } else {
      r["unavailable"] = kr.count.unavailable;
    }
    rows.push_back(r);
  }
  for (const ReplayRow& row : report.rows) {
    if (!row.counts) continue;
    const ReplayCounts& c = *row.counts;
    nlohmann::json r;
    r["target"] = row.target;
    r["source"] = kPagesFromPipepool;
    r["copy"] = "kernel";
    r["pages_allocated"] = c.allocs;
    r["pages_freed"] = c.frees;
    r["allocs_in_lock"] = c.pool.allocs_in_lock;
    r["allocs_outside_lock"] = c.pool.allocs_outside_lock;
    r["frees_in_lock"] = c.pool.frees_in_lock;
    r["frees_outside_lock"] = c.pool.frees_outside_lock;
    r["frees_at_release"] = c.frees_at_release;
    r["pool_hits"] = c.pool.pool_hits;
    r["pool_peak"] = c.pool.pool_peak;
    r["pipes"] = c.pipes;
    r["bytes_written"] = c.bytes_written;
    r["bytes_read"] = c.bytes_read;
    r["short_calls"] = c.short_calls;
    if (const auto ppm = pages_per_mib(c)) r["pages_per_mib"] = *ppm;
    if (const auto vs = vs_kernel_percent(report, c)) r["vs_kernel_pct"] = *vs;
    rows.push_back(r);
  }
  j["results"] = rows;
  return j;
}

std::string replay_csv(const ReplayReport& report) {
  const Recording& rec = report.recording;
  std::string out =
      "target,source,pages_allocated,pages_freed,allocs_in_lock,allocs_outside_lock,"
      "frees_in_lock,frees_outside_lock,frees_at_release,pool_hits,pool_peak,bytes_written,"
      "pages_per_mib,vs_kernel_pct\n";
  if (rec.kernel.allocs && rec.kernel.frees) {
    out += fmt::format("kernel,{},{},{},,,,,,,,,,\n", kPagesFromKernel, *rec.kernel.allocs,
                       *rec.kernel.frees);
  } else {
    out += fmt::format("kernel,{},,,,,,,,,,,,\n", kPagesFromKernel);
  }
  if (report.kernel_replay && report.kernel_replay->count.allocs) {
    const KernelReplay& kr = *report.kernel_replay;
    const auto vs = percent_of_kernel(report, *kr.count.allocs);
    out += fmt::format("kernel-replay,{},{},{},,,,,,,,{},,{}\n", kPagesFromKernel, *kr.count.allocs,
                       *kr.count.frees, kr.bytes_written, vs ? fmt::format("{:.3f}", *vs) : "");
  }
  for (const ReplayRow& row : report.rows) {
    if (!row.counts) continue;
    const ReplayCounts& c = *row.counts;
    const auto ppm = pages_per_mib(c);
    const auto vs = vs_kernel_percent(report, c);
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", row.target, kPagesFromPipepool,
                    c.allocs, c.frees, c.pool.allocs_in_lock, c.pool.allocs_outside_lock,
                    c.pool.frees_in_lock, c.pool.frees_outside_lock, c.frees_at_release,
                    c.pool.pool_hits, c.pool.pool_peak, c.bytes_written,
                    ppm ? fmt::format("{:.3f}", *ppm) : "", vs ? fmt::format("{:.3f}", *vs) : "");
  }
  return out;
}

}  // namespace pipe_bench::replay
