#include "pipe_bench/probe_derive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pipe_bench {
namespace {

const std::vector<double>* find(const std::map<unsigned, std::vector<double>>& m, unsigned k) {
  const auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

// Per round: a[i] - b[i]. Empty when the lengths differ.
std::vector<double> minus(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out;
  if (a.size() != b.size()) return out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(a[i] - b[i]);
  return out;
}

// Per round: (T(k) - T(2)) / (k-2) - (T(2) - T(1)), the per-page cost beyond the copy.
std::vector<double> extra_per_page(const std::map<unsigned, std::vector<double>>& t, unsigned k) {
  const auto* t1 = find(t, 1);
  const auto* t2 = find(t, 2);
  const auto* tk = find(t, k);
  std::vector<double> out;
  if (k <= 2 || !t1 || !t2 || !tk || t1->size() != t2->size() || t2->size() != tk->size()) {
    return out;
  }
  out.reserve(tk->size());
  const double pages = static_cast<double>(k - 2);
  for (std::size_t i = 0; i < tk->size(); ++i) {
    out.push_back(((*tk)[i] - (*t2)[i]) / pages - ((*t2)[i] - (*t1)[i]));
  }
  return out;
}

std::vector<double> copy_per_page(const std::map<unsigned, std::vector<double>>& t) {
  const auto* t1 = find(t, 1);
  const auto* t2 = find(t, 2);
  return t1 && t2 ? minus(*t2, *t1) : std::vector<double>{};
}

std::string check(bool ok, const std::string& text) {
  return fmt::format("{}: {}", ok ? "ok" : "FAIL", text);
}

bool close_enough(double a, double b) {
  return std::abs(a - b) <=
         std::max(kStabilityShare * std::max(std::abs(a), std::abs(b)), kStabilityFloorNs);
}

double share_above(const std::vector<double>& values, double threshold) {
  if (values.empty()) return 0;
  const auto n =
      std::count_if(values.begin(), values.end(), [&](double v) { return v > threshold; });
  return static_cast<double>(n) / static_cast<double>(values.size());
}

}  // namespace

std::vector<double> alloc_per_page(const ProbeSamples& s, unsigned pages) {
  return extra_per_page(s.write, pages);
}

std::vector<double> free_per_page(const ProbeSamples& s, unsigned pages) {
  return extra_per_page(s.read, pages);
}

ProbeFigures derive_figures(const ProbeSamples& s) {
  ProbeFigures f;
  std::uint64_t seed = 1;
  f.timer = summarize(s.timer, 200, seed++);
  f.syscall = summarize(minus(s.write0, s.timer), 200, seed++);
  f.getppid = summarize(minus(s.getppid, s.timer), 200, seed++);
  for (const auto& [k, v] : s.write) f.write_raw[k] = summarize(v, 0);
  for (const auto& [k, v] : s.read) f.read_raw[k] = summarize(v, 0);
  f.copy_write = summarize(copy_per_page(s.write), 200, seed++);
  f.copy_read = summarize(copy_per_page(s.read), 200, seed++);
  for (const auto& [k, v] : s.write) {
    if (k <= 2 || !find(s.read, k)) continue;
    PagesFigures p;
    p.pages = k;
    const auto a = alloc_per_page(s, k);
    const auto fr = free_per_page(s, k);
    std::vector<double> sum;
    if (a.size() == fr.size()) {
      for (std::size_t i = 0; i < a.size(); ++i) sum.push_back(a[i] + fr[i]);
    }
    p.alloc = summarize(a, 200, seed++);
    p.free = summarize(fr, 200, seed++);
    p.alloc_free = summarize(sum, 200, seed++);
    f.by_pages.push_back(p);
  }
  if (!f.by_pages.empty()) {
    const auto& last = f.by_pages.back();
    f.pages = last.pages;
    f.alloc = last.alloc;
    f.free = last.free;
    f.alloc_free = last.alloc_free;
  }
  return f;
}

SplitDecision choose_split(const ProbeFigures& f) {
  SplitDecision d;
  const double w0 = f.write_raw.count(1) ? f.write_raw.at(1).median : 0;
  const double null_write = f.syscall.median + f.timer.median;
  d.checks.push_back(check(f.write_raw.count(1) && w0 > null_write,
                           fmt::format("a 1-page write ({:.0f} ns) costs more than a null write "
                                       "({:.0f} ns)",
                                       w0, null_write)));
  d.checks.push_back(check(f.copy_write.samples > 0 && f.copy_write.ci_lo > 0,
                           fmt::format("copy per page W(2)-W(1) > 0 (95% CI {:.0f}..{:.0f} ns)",
                                       f.copy_write.ci_lo, f.copy_write.ci_hi)));
  d.checks.push_back(check(f.alloc.samples > 0 && f.alloc.ci_lo > 0,
                           fmt::format("alloc per page > 0 at k={} (95% CI {:.0f}..{:.0f} ns)",
                                       f.pages, f.alloc.ci_lo, f.alloc.ci_hi)));
  d.checks.push_back(check(f.free.samples > 0 && f.free.ci_lo > 0,
                           fmt::format("free per page > 0 at k={} (95% CI {:.0f}..{:.0f} ns)",
                                       f.pages, f.free.ci_lo, f.free.ci_hi)));
  for (const auto& p : f.by_pages) {
    if (p.pages == f.pages) continue;
    d.checks.push_back(check(
        close_enough(p.alloc.median, f.alloc.median) && close_enough(p.free.median, f.free.median),
        fmt::format("k={} agrees with k={} within {:.0f}% or {:.0f} ns: alloc {:.0f} vs {:.0f}, "
                    "free {:.0f} vs {:.0f} ns",
                    p.pages, f.pages, kStabilityShare * 100, kStabilityFloorNs, p.alloc.median,
                    f.alloc.median, p.free.median, f.free.median)));
  }
  d.robust = std::all_of(d.checks.begin(), d.checks.end(),
                         [](const std::string& c) { return c.rfind("ok:", 0) == 0; });
  if (d.robust) {
    d.alloc_cost_ns = std::max(0.0, f.alloc.median);
    d.free_cost_ns = std::max(0.0, f.free.median);
    d.note = fmt::format(
        "separate: alloc_cost_ns and free_cost_ns are the medians of the per-round alloc and free "
        "per page at k={} (every model check passed)",
        f.pages);
  } else {
    const double sum = std::max(0.0, f.alloc_free.median);
    d.alloc_cost_ns = d.free_cost_ns = sum / 2;
    d.note = fmt::format(
        "50/50 of the sum: alloc and free per page could not be separated robustly (a model check "
        "failed), so alloc_cost_ns = free_cost_ns = half the median of alloc+free per page at k={}",
        f.pages);
  }
  const double total = d.alloc_cost_ns + d.free_cost_ns;
  d.free_share = total > 0 ? d.free_cost_ns / total : 0.5;
  return d;
}

ReclaimStall derive_reclaim_stall(const ProbeSamples& calm, const ProbeSamples& reclaim) {
  ReclaimStall r;
  for (const auto& [k, v] : reclaim.write) {
    if (k > 2 && find(calm.write, k) && find(calm.read, k) && find(reclaim.read, k)) r.pages = k;
  }
  if (r.pages == 0) {
    r.note = "no page count > 2 probed in both runs";
    return r;
  }
  const auto calm_a = alloc_per_page(calm, r.pages);
  const auto rec_a = alloc_per_page(reclaim, r.pages);
  r.samples = rec_a.size();
  if (calm_a.empty() || rec_a.empty()) {
    r.note = "no alloc samples";
    return r;
  }
  r.threshold_ns = kStallFactor * std::max(quantile(calm_a, 0.9), kStallFloorNs);
  const double rec_median = quantile(rec_a, 0.5);
  double excess = 0;
  for (const double v : rec_a) {
    if (v <= r.threshold_ns) continue;
    ++r.stalled;
    excess += (v - rec_median) * static_cast<double>(r.pages - 2);
  }
  const double share =
      std::max(0.0, share_above(rec_a, r.threshold_ns) - share_above(calm_a, r.threshold_ns));
  r.probability = 1 - std::pow(1 - share, 1.0 / static_cast<double>(r.pages - 2));
  r.stall_ns = (r.stalled > 0 && share > 0) ? excess / static_cast<double>(r.stalled) : 0;
  r.note = fmt::format(
      "k={}: {} of {} reclaim samples above {:.0f} ns/page ({:.0f} x max(calm p90, {:.0f} ns)), "
      "minus the calm share above it; a stalled write counts as one stalled allocation of {}; "
      "stall = mean excess of those writes over the reclaim median",
      r.pages, r.stalled, r.samples, r.threshold_ns, kStallFactor, kStallFloorNs, r.pages - 2);
  return r;
}

}  // namespace pipe_bench
