#include "pipe_bench/session.hpp"

#include <algorithm>
#include <cmath>

#include "pipe_bench/verify.hpp"

namespace pipe_bench {
namespace {

struct Reduced {
  double median, min, max;
};

Reduced reduce(const std::vector<double>& values) {
  if (values.empty()) return {0, 0, 0};
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return {pipe_bench::median(values), *lo, *hi};
}

std::uint64_t to_u64(double v) {
  return static_cast<std::uint64_t>(std::llround(v));
}

template <typename Field>
void reduce_field(const std::vector<Metrics>& all, SeriesStats& out, Field Metrics::*field) {
  std::vector<double> values;
  for (const auto& m : all) values.push_back(static_cast<double>(m.*field));
  const Reduced r = reduce(values);
  if constexpr (std::is_same_v<Field, double>) {
    out.median.*field = r.median;
    out.min.*field = r.min;
    out.max.*field = r.max;
  } else {
    out.median.*field = to_u64(r.median);
    out.min.*field = to_u64(r.min);
    out.max.*field = to_u64(r.max);
  }
}

void reduce_pool_field(const std::vector<Metrics>& all, SeriesStats& out,
                       std::uint64_t pipepool::PoolStats::*field) {
  std::vector<double> values;
  for (const auto& m : all) values.push_back(static_cast<double>((*m.pool).*field));
  const Reduced r = reduce(values);
  (*out.median.pool).*field = to_u64(r.median);
  (*out.min.pool).*field = to_u64(r.min);
  (*out.max.pool).*field = to_u64(r.max);
}

void reduce_lock_field(const std::vector<Metrics>& all, SeriesStats& out,
                       double LockPerWrite::*field) {
  std::vector<double> values;
  for (const auto& m : all) values.push_back((*m.lock).*field);
  const Reduced r = reduce(values);
  (*out.median.lock).*field = r.median;
  (*out.min.lock).*field = r.min;
  (*out.max.lock).*field = r.max;
}

// Pages: the source and the first reason from the runs; counts reduced when every run has them.
void reduce_pages(const std::vector<Metrics>& all, SeriesStats& out) {
  if (all.empty() || !all.front().pages) return;
  PageTraffic base{all.front().pages->source, {}, {}, {}};
  std::vector<double> allocs, frees;
  for (const auto& m : all) {
    if (!m.pages) return;
    if (!m.pages->allocs || !m.pages->frees) {
      if (base.unavailable.empty()) base.unavailable = m.pages->unavailable;
      continue;
    }
    allocs.push_back(static_cast<double>(*m.pages->allocs));
    frees.push_back(static_cast<double>(*m.pages->frees));
  }
  out.median.pages = out.min.pages = out.max.pages = base;
  if (!base.unavailable.empty()) return;
  const Reduced a = reduce(allocs);
  const Reduced f = reduce(frees);
  out.median.pages->allocs = to_u64(a.median);
  out.median.pages->frees = to_u64(f.median);
  out.min.pages->allocs = to_u64(a.min);
  out.min.pages->frees = to_u64(f.min);
  out.max.pages->allocs = to_u64(a.max);
  out.max.pages->frees = to_u64(f.max);
}

double metric_value(const Metrics& m, const std::string& metric) {
  return metric == kMetricLatAvg ? m.lat_avg_ns : m.writes_per_s;
}

}  // namespace

std::vector<Configuration> make_plan(const Options& options) {
  std::vector<Configuration> plan;
  for (const auto cost : options.alloc_costs) {
    for (const auto size : options.msg_sizes) {
      for (const auto w : options.writers) {
        for (const auto r : options.readers) plan.push_back({plan.size(), w, r, cost, size});
      }
    }
  }
  return plan;
}

std::size_t message_size(const Options& options, const Configuration& config) {
  const std::size_t size = config.msg_size != 0 ? config.msg_size : options.msg_size;
  return options.verify ? verify_record_size(size) : size;
}

SeriesStats summarize(const Series& series) {
  std::vector<Metrics> all;
  for (const auto& run : series.runs) all.push_back(compute_metrics(run));
  SeriesStats out;
  reduce_field(all, out, &Metrics::writes);
  reduce_field(all, out, &Metrics::writes_per_s);
  reduce_field(all, out, &Metrics::throughput_mbps);
  reduce_field(all, out, &Metrics::lat_avg_ns);
  reduce_field(all, out, &Metrics::lat_p50_ns);
  reduce_field(all, out, &Metrics::lat_p90_ns);
  reduce_field(all, out, &Metrics::lat_p99_ns);
  reduce_field(all, out, &Metrics::lat_p999_ns);
  reduce_field(all, out, &Metrics::lat_max_ns);
  reduce_field(all, out, &Metrics::bytes_written);
  reduce_field(all, out, &Metrics::bytes_read);
  const bool pooled =
      !all.empty() && std::all_of(all.begin(), all.end(), [](const Metrics& m) { return m.pool; });
  if (pooled) {
    out.median.pool.emplace();
    out.min.pool.emplace();
    out.max.pool.emplace();
    using P = pipepool::PoolStats;
    for (auto field :
         {&P::allocs_in_lock, &P::allocs_outside_lock, &P::frees_in_lock, &P::frees_outside_lock,
          &P::alloc_failures, &P::pool_hits, &P::pool_size, &P::pool_peak}) {
      reduce_pool_field(all, out, field);
    }
  }
  reduce_pages(all, out);
  if (!all.empty() &&
      std::all_of(all.begin(), all.end(), [](const Metrics& m) { return m.lock.has_value(); })) {
    out.median.lock.emplace();
    out.min.lock.emplace();
    out.max.lock.emplace();
    for (auto field : {&LockPerWrite::hold_ns, &LockPerWrite::wait_ns, &LockPerWrite::contended,
                       &LockPerWrite::acquisitions}) {
      reduce_lock_field(all, out, field);
    }
  }
  return out;
}

std::vector<Comparison> compare_with_baseline(const std::vector<ConfigResults>& results,
                                              const std::string& baseline) {
  std::vector<Comparison> out;
  for (const auto& config : results) {
    const auto base = std::find_if(config.series.begin(), config.series.end(),
                                   [&](const Series& s) { return s.target == baseline; });
    if (base == config.series.end()) continue;
    for (const auto& series : config.series) {
      if (series.target == baseline) continue;
      for (const std::string metric : {kMetricWritesPerS, kMetricLatAvg}) {
        std::vector<double> a, b;
        const std::size_t n = std::min(series.runs.size(), base->runs.size());
        for (std::size_t i = 0; i < n; ++i) {
          a.push_back(metric_value(compute_metrics(series.runs[i]), metric));
          b.push_back(metric_value(compute_metrics(base->runs[i]), metric));
        }
        const auto estimate = paired_ratio(a, b);
        if (!estimate) continue;
        out.push_back(
            {config.config.index, baseline, series.target, metric, *estimate, std::nullopt});
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, double>> median_breakdown(const Series& series) {
  std::vector<std::pair<std::string, double>> out;
  std::vector<const SimulatedRun*> runs;
  for (const auto& r : series.runs) {
    if (r.simulated && !r.simulated->breakdown_ns.empty()) runs.push_back(&*r.simulated);
  }
  if (runs.empty()) return out;
  for (std::size_t i = 0; i < runs.front()->breakdown_ns.size(); ++i) {
    std::vector<double> v;
    for (const SimulatedRun* r : runs) v.push_back(r->breakdown_ns.at(i).second);
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    out.emplace_back(runs.front()->breakdown_ns.at(i).first,
                     n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
  }
  return out;
}

}  // namespace pipe_bench
