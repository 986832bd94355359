// format_probe_report: the --probe text on stdout.
#include <fmt/format.h>

#include <cmath>

#include "pipe_bench/probe.hpp"

namespace pipe_bench {
namespace {

std::string row(std::string_view name, const Figure& f, bool with_ci = true) {
  const std::string ci = with_ci ? fmt::format("{:.1f}..{:.1f}", f.ci_lo, f.ci_hi) : "-";
  return fmt::format("{:<40} {:>9.1f} {:>9.1f} {:>9.1f} {:>17} {:>8}\n", name, f.median, f.p10,
                     f.p90, ci, f.samples);
}

}  // namespace

std::string format_probe_report(const ProbeReport& r) {
  const auto& c = r.context;
  const auto& m = r.measurement;
  const auto& f = r.figures;
  std::string s = fmt::format(
      "pipe_bench --probe: kernel pipe costs, single thread, pipe2() pipe of {} KiB, 4 KiB pages\n"
      "host {}, kernel {}, {} x {}, {}\n"
      "pinned: {}; {} rounds after {} warm-up rounds, variants in a shuffled order per round; "
      "ns per call or per page\n\n",
      m.pipe_bytes / 1024, c.host, c.kernel, c.cores, c.cpu_model, c.date, m.pinning,
      r.options.samples, m.warmup);
  s += fmt::format("{:<40} {:>9} {:>9} {:>9} {:>17} {:>8}\n", "figure", "median", "p10", "p90",
                   "95% CI of median", "samples");
  s += row("clock read pair (timer overhead)", f.timer);
  s += row("syscall: write(fd, buf, 0) - timer", f.syscall);
  s += row("syscall: getppid() - timer", f.getppid);
  for (const auto& [k, fig] : f.write_raw)
    s += row(fmt::format("raw: write {} page(s) W({})", k, k), fig, false);
  for (const auto& [k, fig] : f.read_raw)
    s += row(fmt::format("raw: read {} page(s) R({})", k, k), fig, false);
  s += row("copy per page, write: W(2)-W(1)", f.copy_write);
  s += row("copy per page, read: R(2)-R(1)", f.copy_read);
  for (const auto& p : f.by_pages) {
    s += row(fmt::format("alloc per page, k={}", p.pages), p.alloc);
    s += row(fmt::format("free per page, k={}", p.pages), p.free);
    s += row(fmt::format("alloc+free per page, k={}", p.pages), p.alloc_free);
  }
  if (!r.cross.samples.futex_wakeup.empty()) {
    s += fmt::format("two CPUs ({}), {} rounds:\n", r.cross.cpus,
                     r.cross_figures.futex_wakeup.samples);
    s += row("futex wake-up: FUTEX_WAKE -> waiter runs", r.cross_figures.futex_wakeup);
    s += row("lock hand-off: release -> spinner holds", r.cross_figures.mutex_handoff);
  } else {
    s += fmt::format("two-CPU figures not measured: {}\n",
                     r.cross.error.empty() ? "not run" : r.cross.error);
  }
  if (measured(r.cross_pipe)) {
    const auto& x = r.cross_pipe_figures;
    s += fmt::format("two CPUs, pipe ({}), {} rounds:\n", r.cross_pipe.pinning,
                     x.copy_write.samples);
    s += row("copy per page, write: Wx(2)-Wx(1)", x.copy_write);
    s += row("copy per page, read: Rx(2)-Rx(1)", x.copy_read);
    s += row(fmt::format("alloc per page, k={}", x.pages), x.alloc);
    s += row(fmt::format("free per page, k={}", x.pages), x.free);
    for (const auto& [k, fig] : x.write_raw)
      s += row(fmt::format("raw: write {} page(s) Wx({})", k, k), fig, false);
    for (const auto& [k, fig] : x.read_raw)
      s += row(fmt::format("raw: read {} page(s) Rx({})", k, k), fig, false);
  } else {
    s += fmt::format("two-CPU pipe figures not measured: {}\n",
                     r.cross_pipe.error.empty() ? "not run" : r.cross_pipe.error);
  }
  s += "\nmodel checks (two spare pages: k <= 2 allocates nothing, k > 2 allocates k-2):\n";
  for (const auto& check : r.split.checks) s += fmt::format("  {}\n", check);
  // Rounded as preset_json rounds them.
  const auto alloc_ns = std::llround(r.split.alloc_cost_ns);
  const auto free_ns = std::llround(r.split.free_cost_ns);
  const double share = alloc_ns + free_ns > 0
                           ? static_cast<double>(free_ns) / static_cast<double>(alloc_ns + free_ns)
                           : 0.5;
  s += fmt::format("\npreset: alloc_cost_ns {}, free_cost_ns {}, free_share {:.3f}\n  rule: {}\n",
                   alloc_ns, free_ns, share, r.split.note);
  return s;
}

}  // namespace pipe_bench
