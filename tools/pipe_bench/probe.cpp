#include "pipe_bench/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

namespace pipe_bench {
namespace {

// To `decimals` places; dividing by a power of ten gives the double nearest the decimal.
double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

nlohmann::json figure_json(const Figure& f) {
  return {{"median", round_to(f.median, 1)},
          {"p10", round_to(f.p10, 1)},
          {"p90", round_to(f.p90, 1)},
          {"ci95", {round_to(f.ci_lo, 1), round_to(f.ci_hi, 1)}},
          {"samples", f.samples}};
}

}  // namespace

ProbeReport run_probe(const ProbeOptions& options) {
  ProbeReport report;
  report.options = options;
  report.context = collect_context();
  report.measurement = measure_pipe_costs(options);
  if (!report.ok()) return report;
  report.figures = derive_figures(report.measurement.samples);
  report.split = choose_split(report.figures);
  report.cross = measure_cross_cpu(options.cross_cpu_rounds);
  report.cross_figures = derive_cross_cpu(report.cross.samples);
  report.cross_pipe = measure_pipe_costs_across_cpus(options);
  if (measured(report.cross_pipe))
    report.cross_pipe_figures = derive_figures(report.cross_pipe.samples);
  return report;
}

ReclaimStall derive_reclaim_stall(const ProbeReport& calm, const ProbeReport& reclaim) {
  return derive_reclaim_stall(calm.measurement.samples, reclaim.measurement.samples);
}

nlohmann::json preset_json(const ProbeReport& report, const PresetMeta& meta) {
  const auto& f = report.figures;
  const auto& ctx = report.context;
  const auto alloc_ns = std::llround(report.split.alloc_cost_ns);
  const auto free_ns = std::llround(report.split.free_cost_ns);
  const double share =
      alloc_ns + free_ns > 0
          ? round_to(static_cast<double>(free_ns) / static_cast<double>(alloc_ns + free_ns), 3)
          : 0.5;
  const std::string description =
      !meta.description.empty()
          ? meta.description
          : fmt::format(
                "Kernel pipe page allocation and free costs measured by pipe_bench --probe "
                "on {} (kernel {}){}",
                ctx.host, ctx.kernel,
                meta.reclaim ? ", inside a memory cgroup held at its limit" : "");

  nlohmann::json figures = {
      {"syscall_ns", figure_json(f.syscall)},
      {"copy_ns_per_page", figure_json(f.copy_write)},
      {"alloc_ns_per_page", figure_json(f.alloc)},
      {"free_ns_per_page", figure_json(f.free)},
      {"alloc_free_ns_per_page", figure_json(f.alloc_free)},
      {"getppid_ns", figure_json(f.getppid)},
      {"timer_ns", figure_json(f.timer)},
      {"copy_read_ns_per_page", figure_json(f.copy_read)},
  };
  const bool cross = !report.cross.samples.futex_wakeup.empty();
  if (cross) {
    figures["futex_wakeup_ns"] = figure_json(report.cross_figures.futex_wakeup);
    figures["mutex_handoff_ns"] = figure_json(report.cross_figures.mutex_handoff);
    nlohmann::json quantiles = nlohmann::json::array();
    for (unsigned i = 0; i <= kWakeupQuantileSteps; ++i)
      quantiles.push_back(round_to(quantile(report.cross.samples.futex_wakeup,
                                            static_cast<double>(i) / kWakeupQuantileSteps),
                                   1));
    figures["futex_wakeup_quantiles_ns"] = quantiles;
  }
  const bool cross_pipe = measured(report.cross_pipe);
  if (cross_pipe) {
    const auto& x = report.cross_pipe_figures;
    figures["cross_cpu_copy_ns_per_page"] = figure_json(x.copy_write);
    figures["cross_cpu_copy_read_ns_per_page"] = figure_json(x.copy_read);
    figures["cross_cpu_alloc_ns_per_page"] = figure_json(x.alloc);
    figures["cross_cpu_free_ns_per_page"] = figure_json(x.free);
  }
  nlohmann::json by_pages = nlohmann::json::object();
  for (const auto& p : f.by_pages) {
    by_pages[std::to_string(p.pages)] = {{"alloc_ns_per_page", figure_json(p.alloc)},
                                         {"free_ns_per_page", figure_json(p.free)},
                                         {"alloc_free_ns_per_page", figure_json(p.alloc_free)}};
  }
  figures["by_pages"] = by_pages;

  nlohmann::json source = {
      {"tool", "pipe_bench --probe"},
      {"date", ctx.date},
      {"host", ctx.host},
      {"kernel", ctx.kernel},
      {"cpu_model", ctx.cpu_model},
      {"reclaim", meta.reclaim},
      {"reclaim_evidence", meta.reclaim_evidence},
      {"samples", report.options.samples},
      {"warmup", report.measurement.warmup},
      {"pages", f.pages},
      {"pinning", report.measurement.pinning},
      {"cross_cpu",
       cross ? report.cross.cpus
             : "not measured: " + (report.cross.error.empty() ? "not run" : report.cross.error)},
      {"cross_cpu_pipe",
       cross_pipe ? report.cross_pipe.pinning
                  : "not measured: " +
                        (report.cross_pipe.error.empty() ? "not run" : report.cross_pipe.error)},
      {"figures", figures},
      {"split_robust", report.split.robust},
      {"split_note", report.split.note},
      {"checks", report.split.checks},
  };
  if (meta.reclaim) source["reclaim_stall_note"] = meta.stall.note;
  return {
      {"schema", kPresetSchema},
      {"name", meta.name},
      {"description", description},
      {"alloc_cost_ns", alloc_ns},
      {"free_cost_ns", free_ns},
      {"free_share", share},
      {"reclaim_stall_probability", round_to(std::clamp(meta.stall.probability, 0.0, 1.0), 6)},
      {"reclaim_stall_ns", std::llround(std::max(0.0, meta.stall.stall_ns))},
      {"source", source},
  };
}

int run_probe_command(const ProbeOptions& options, const std::string& out_path, std::FILE* out,
                      std::FILE* err) {
  const ProbeReport report = run_probe(options);
  if (!report.ok()) {
    std::fprintf(err, "pipe_bench: --probe: %s\n", report.measurement.error.c_str());
    return 1;
  }
  std::fputs(format_probe_report(report).c_str(), out);
  if (out_path.empty()) return 0;
  std::ofstream file(out_path, std::ios::trunc);
  file << preset_json(report, PresetMeta{}).dump(2) << '\n';
  file.close();
  if (!file) {
    std::fprintf(err, "pipe_bench: --probe-out: cannot write '%s'\n", out_path.c_str());
    return 1;
  }
  std::fprintf(out, "preset written to %s\n", out_path.c_str());
  return 0;
}

}  // namespace pipe_bench
