#include "pipe_bench/replay/replay_report.hpp"

#include <fmt/format.h>

#include "pipe_bench/summary.hpp"

namespace pipe_bench::replay {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

using ull = unsigned long long;

const TargetResult* find(const std::vector<TargetResult>& rows, const std::string& target) {
  for (const auto& r : rows) {
    if (r.target == target) return &r;
  }
  return nullptr;
}

// The kernel's recorded count of allocated pages, when it has one.
std::optional<std::uint64_t> kernel_allocs(const std::vector<TargetResult>& rows) {
  const TargetResult* k = find(rows, "kernel");
  if (k == nullptr || !k->run.kernel_pages) return std::nullopt;
  return k->run.kernel_pages->allocs;
}

std::optional<double> percent_of(std::optional<std::uint64_t> base, std::uint64_t allocs) {
  if (!base || *base == 0) return std::nullopt;
  return 100.0 * (static_cast<double>(allocs) - static_cast<double>(*base)) /
         static_cast<double>(*base);
}

std::string percent_cell(std::optional<double> pct) {
  return pct ? fmt::format("{:+.1f}%", *pct) : std::string("-");
}

double mib(const TargetResult& r) {
  return static_cast<double>(r.run.bytes_written) / kMiB;
}

void print_kernel_row(const char* name, const TargetResult& r, bool with_mib,
                      std::optional<std::uint64_t> base, std::FILE* out) {
  const KernelPageTraffic& k = *r.run.kernel_pages;
  if (!k.allocs || !k.frees) {
    std::fprintf(out, "%-9s unavailable: %s\n", name, k.unavailable.c_str());
    return;
  }
  if (!with_mib) {
    std::fprintf(out, "%-9s %9llu %9s %9s %9llu %9s %9s %9s %9s %6s %9s %10s %9s\n", name,
                 static_cast<ull>(*k.allocs), "-", "-", static_cast<ull>(*k.frees), "-", "-", "-",
                 "-", "-", "-", "-", "-");
    return;
  }
  const double m = mib(r);
  std::fprintf(out, "%-9s %9llu %9s %9s %9llu %9s %9s %9s %9s %6s %9.1f %10s %9s\n", name,
               static_cast<ull>(*k.allocs), "-", "-", static_cast<ull>(*k.frees), "-", "-", "-",
               "-", "-", m, m > 0 ? fmt::format("{:.1f}", *k.allocs / m).c_str() : "-",
               percent_cell(percent_of(base, *k.allocs)).c_str());
}

}  // namespace

void print_replay_table(const ReplayHeader& header, const std::vector<TargetResult>& rows,
                        std::FILE* out) {
  std::fprintf(out, "replay of %s (recorder %s): %s\n", header.file.c_str(),
               header.recorder.c_str(), header.command.c_str());
  if (header.pool_sizes != pipepool::PoolSizes{}) {
    std::fprintf(out, "pool sizes: legacy cache %u, keep %u, max %u pages\n",
                 header.pool_sizes.legacy_cache, header.pool_sizes.keep, header.pool_sizes.max);
  }
  std::fprintf(out, "%-9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %9s %10s %9s\n", "target", "allocs",
               "in lock", "outside", "frees", "in lock", "outside", "release", "pool hit", "peak",
               "MiB", "pages/MiB", "vs kernel");
  const auto base = kernel_allocs(rows);
  if (const TargetResult* k = find(rows, "kernel"))
    print_kernel_row("kernel", *k, false, base, out);
  if (const TargetResult* kr = find(rows, "kernel-replay")) {
    print_kernel_row("k-replay", *kr, true, base, out);
  }
  for (const TargetResult& r : rows) {
    if (!r.run.pipe_stats) continue;
    const Metrics m = compute_metrics(r);
    const pipepool::PoolStats& p = r.run.pipe_stats->pool;
    const std::uint64_t allocs = *m.pages->allocs;
    const double moved = mib(r);
    std::fprintf(
        out, "%-9s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %6llu %9.1f %10s %9s\n",
        r.target.c_str(), static_cast<ull>(allocs), static_cast<ull>(p.allocs_in_lock),
        static_cast<ull>(p.allocs_outside_lock), static_cast<ull>(*m.pages->frees),
        static_cast<ull>(p.frees_in_lock), static_cast<ull>(p.frees_outside_lock),
        static_cast<ull>(r.replayed->frees_at_release), static_cast<ull>(p.pool_hits),
        static_cast<ull>(p.pool_peak), moved,
        moved > 0 ? fmt::format("{:.1f}", static_cast<double>(allocs) / moved).c_str() : "-",
        percent_cell(percent_of(base, allocs)).c_str());
  }
  const TargetResult* legacy = find(rows, "legacy");
  if (legacy == nullptr || !legacy->run.pipe_stats) return;
  const std::uint64_t allocs = *compute_metrics(*legacy).pages->allocs;
  if (const auto vs = percent_of(base, allocs)) {
    std::fprintf(out, "legacy vs kernel: %+.1f%% pages allocated (%llu vs %llu)\n", *vs,
                 static_cast<ull>(allocs), static_cast<ull>(*base));
  }
  const TargetResult* kr = find(rows, "kernel-replay");
  if (kr != nullptr && kr->run.kernel_pages->allocs && *kr->run.kernel_pages->allocs > 0) {
    const std::uint64_t k = *kr->run.kernel_pages->allocs;
    std::fprintf(out,
                 "legacy vs kernel-replay (the same calls on kernel pipes): %+.1f%% (%llu vs "
                 "%llu)\n",
                 *percent_of(k, allocs), static_cast<ull>(allocs), static_cast<ull>(k));
  }
  if (legacy->replayed->short_calls > 0) {
    std::fprintf(out, "note: %llu recorded calls could not move all their bytes in the replay\n",
                 static_cast<ull>(legacy->replayed->short_calls));
  }
}

std::string format_replay_summary(const ReplayHeader& header,
                                  const std::vector<TargetResult>& rows) {
  const auto base = kernel_allocs(rows);
  const std::string from =
      fmt::format("REPLAYED from {} (recorder {})", header.file, header.recorder);
  if (!base) {
    const TargetResult* k = find(rows, "kernel");
    return fmt::format("kernel's count unavailable ({}), {}\n",
                       k != nullptr && k->run.kernel_pages ? k->run.kernel_pages->unavailable
                                                           : std::string("not recorded"),
                       from);
  }
  std::string out;
  for (const TargetResult& r : rows) {
    if (!r.run.pipe_stats) continue;
    const Metrics m = compute_metrics(r);
    const pipepool::PoolStats& p = r.run.pipe_stats->pool;
    const double ratio = static_cast<double>(*m.pages->allocs) / static_cast<double>(*base);
    out += fmt::format(
        "{} vs kernel: {} pages allocated ({} vs {}; {} in the pipe mutex, {} outside), "
        "peak pool {} pages, {}\n",
        r.target, percent_change(ratio), *m.pages->allocs, *base, p.allocs_in_lock,
        p.allocs_outside_lock, p.pool_peak, from);
  }
  return out;
}

}  // namespace pipe_bench::replay
