#include "pipe_bench/probe_reclaim.hpp"

#include <fmt/format.h>

#include <fstream>

#include "pipe_bench/reclaim_cgroup.hpp"
#include "pipe_bench/reclaim_counters.hpp"
#include "pipe_bench/signals.hpp"

namespace pipe_bench {
namespace {

bool write_preset(const std::string& path, const nlohmann::json& preset, std::FILE* out,
                  std::FILE* err) {
  std::ofstream file(path, std::ios::trunc);
  file << preset.dump(2) << '\n';
  file.close();
  if (!file) {
    std::fprintf(err, "pipe_bench: --probe-out: cannot write '%s'\n", path.c_str());
    return false;
  }
  std::fprintf(out, "preset written to %s\n", path.c_str());
  return true;
}

}  // namespace

std::string reclaim_preset_path(const std::string& path) {
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
      dot == (slash == std::string::npos ? 0 : slash + 1)) {
    return path + "-reclaim";
  }
  return path.substr(0, dot) + "-reclaim" + path.substr(dot);
}

int run_probe_under_reclaim(const ProbeOptions& options, const PressureSpec& pressure,
                            const std::string& out_path, std::FILE* out, std::FILE* err) {
  install_interrupt_handlers();
  const ProbeReport calm = run_probe(options);
  if (!calm.ok()) {
    std::fprintf(err, "pipe_bench: --probe: %s\n", calm.measurement.error.c_str());
    return 1;
  }
  std::fputs("probe without reclaim\n", out);
  std::fputs(format_probe_report(calm).c_str(), out);

  ReclaimSpec spec;
  spec.limit_bytes = pressure.cgroup_limit;
  std::string error;
  auto cgroup = ReclaimCgroup::start(spec, error, &interrupt_flag());
  if (!cgroup) {
    if (interrupted()) return kInterruptedExitCode;
    std::fprintf(err, "pipe_bench: --memory-pressure: %s\n", error.c_str());
    return 1;
  }
  const ReclaimCounters before = cgroup->read();
  const ProbeReport reclaim = run_probe(options);
  const ReclaimCounters delta = reclaim_delta(before, cgroup->read());
  const std::string source = cgroup->source();
  const std::string usage = cgroup->usage_note();
  cgroup.reset();  // out of the cgroup, everything it made removed
  if (interrupted()) return kInterruptedExitCode;
  if (!reclaim.ok()) {
    std::fprintf(err, "pipe_bench: --probe: %s\n", reclaim.measurement.error.c_str());
    return 1;
  }
  std::fprintf(out, "\nprobe inside %s (%s)\n", source.c_str(), usage.c_str());
  std::fputs(format_probe_report(reclaim).c_str(), out);
  std::fprintf(out, "reclaim during the probe: %s\n", format_reclaim(delta).c_str());

  if (!out_path.empty() && !write_preset(out_path, preset_json(calm, PresetMeta{}), out, err)) {
    return 1;
  }
  if (!reclaim_caused(delta)) {
    std::fputs(
        "no reclaim was caused during the probe inside the cgroup: no kernel-reclaim preset\n",
        out);
    return 0;
  }
  PresetMeta meta;
  meta.name = "kernel-reclaim";
  meta.description = fmt::format(
      "kernel pipe page costs measured inside a memory cgroup at its limit ({}), with the "
      "reclaim stalls that run had beyond a run without the cgroup",
      source);
  meta.reclaim = true;
  meta.reclaim_evidence = format_counters(delta);
  meta.stall = derive_reclaim_stall(calm, reclaim);
  std::fprintf(out, "reclaim stall: %.4f per allocation x %.0f ns (%s)\n", meta.stall.probability,
               meta.stall.stall_ns, meta.stall.note.c_str());
  if (!out_path.empty() &&
      !write_preset(reclaim_preset_path(out_path), preset_json(reclaim, meta), out, err)) {
    return 1;
  }
  return 0;
}

}  // namespace pipe_bench
