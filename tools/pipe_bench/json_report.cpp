#include "pipe_bench/json_report.hpp"

#include <set>

#include "pipe_bench/compare.hpp"
#include "pipe_bench/resolve_report.hpp"

namespace pipe_bench {

using json = nlohmann::ordered_json;

namespace {

json null_if_empty(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

// The preset a model run used, with its provenance ("source") as the preset file gave it.
json model_preset_json(const std::optional<ModelPreset>& preset) {
  if (!preset) return nullptr;
  const auto& p = *preset;
  json source = p.source_json.empty() ? json(nullptr) : json::parse(p.source_json, nullptr, false);
  if (source.is_discarded()) source = nullptr;
  return {{"name", p.name},
          {"description", p.description},
          {"origin", p.origin},
          {"alloc_cost_ns", p.alloc_cost_ns},
          {"free_cost_ns", p.free_cost_ns},
          {"free_share", p.free_share ? json(*p.free_share) : json(nullptr)},
          {"reclaim_stall_probability", p.reclaim_stall_probability},
          {"reclaim_stall_ns", p.reclaim_stall_ns},
          {"source", std::move(source)}};
}

json counter(const std::optional<std::uint64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

json reclaim_json(const std::optional<ReclaimCounters>& r) {
  if (!r) return nullptr;
  return {{"source", r->source},
          {"reclaimed", reclaim_caused(*r)},
          {"failcnt", counter(r->failcnt)},
          {"pgpgin", counter(r->pgpgin)},
          {"pgpgout", counter(r->pgpgout)},
          {"pgscan", counter(r->pgscan)},
          {"pgsteal", counter(r->pgsteal)},
          {"events_max", counter(r->events_max)},
          {"events_high", counter(r->events_high)},
          {"vm_pgscan_direct", counter(r->vm_pgscan_direct)},
          {"vm_pgsteal_direct", counter(r->vm_pgsteal_direct)},
          {"vm_allocstall", counter(r->vm_allocstall)}};
}

}  // namespace

json pool_sizes_json(const pipepool::PoolSizes& sizes) {
  return {{"legacy_cache", sizes.legacy_cache}, {"keep", sizes.keep}, {"max", sizes.max}};
}

json context_json(const RunContext& context) {
  json pressure = nullptr;
  if (context.pressure) {
    const auto& p = *context.pressure;
    const bool cg = p.mode == "cgroup";
    pressure = {{"command", p.command},
                {"workers", p.workers},
                {"vm_bytes", p.vm_bytes},
                {"method", p.method},
                {"rss_bytes_at_start", p.rss_bytes_at_start},
                {"ramp_s", p.ramp_s},
                {"mode", p.mode},
                {"cgroup", cg ? json(p.cgroup) : json(nullptr)},
                {"cgroup_version", cg ? json(p.cgroup_version) : json(nullptr)},
                {"limit_bytes", cg ? json(p.limit_bytes) : json(nullptr)},
                {"cache_file_bytes", cg ? json(p.cache_file_bytes) : json(nullptr)},
                {"cache_dir", cg ? json(p.cache_dir) : json(nullptr)},
                {"no_reclaim", p.no_reclaim.empty() ? json(nullptr) : json(p.no_reclaim)},
                {"idle_reclaim", reclaim_json(p.idle_reclaim)},
                {"idle_s", cg ? json(p.idle_s) : json(nullptr)}};
  }
  return {
      {"date", context.date},
      {"host", context.host},
      {"kernel", context.kernel},
      {"cpu_model", context.cpu_model},
      {"cores", context.cores},
      {"build_type", context.build_type},
      {"pipepool_version", context.pipepool_version},
      {"git_revision", context.git_revision},
      {"pressure", std::move(pressure)},
      {"shrinker_pressure_source",
       context.shrinker_pressure_source ? json(*context.shrinker_pressure_source) : json(nullptr)},
      {"shrinker_memory_events_note", context.shrinker_pressure_source
                                          ? json(context.shrinker_memory_events_note)
                                          : json(nullptr)},
      {"model_preset", model_preset_json(context.model_preset)},
      {"copy_mode", context.copy_mode},
      {"pool_sizes", pool_sizes_json(context.pool_sizes)}};
}

json config_json(const RunConfig& config, unsigned runs) {
  return {{"writers", config.writers},
          {"readers", config.readers},
          {"msg_size", config.msg_size},
          {"duration_s", config.duration_s},
          {"pipe_size", config.pipe_size},
          {"allocator", config.allocator},
          {"alloc_cost_ns", config.alloc_cost_ns},
          {"runs", runs},
          {"rate", config.rate > 0 ? json(config.rate) : json(nullptr)},
          {"verify", config.verify},
          {"memory_pressure", config.pressure.empty() ? json(nullptr) : json(config.pressure)},
          {"free_cost_ns", config.free_cost_ns},
          {"reclaim_stall_probability", config.reclaim_stall_probability},
          {"reclaim_stall_ns", config.reclaim_stall_ns},
          {"model_preset", null_if_empty(config.model_preset)}};
}

namespace {

// {"source", "allocs", "frees", "unavailable"}: totals; null counts with the reason when the
// source could not count; null for targets without pages (memcpy).
json pages_json(const std::optional<PageTraffic>& pages) {
  if (!pages) return nullptr;
  const auto count = [](const std::optional<std::uint64_t>& v) {
    return v ? json(*v) : json(nullptr);
  };
  return {{"source", pages->source},
          {"allocs", count(pages->allocs)},
          {"frees", count(pages->frees)},
          {"unavailable", pages->unavailable.empty() ? json(nullptr) : json(pages->unavailable)}};
}

}  // namespace

json metrics_json(const Metrics& m) {
  const auto pool = [&](std::uint64_t pipepool::PoolStats::*field) -> json {
    return m.pool ? json((*m.pool).*field) : json(nullptr);
  };
  const auto lock = [&](double LockPerWrite::*field) -> json {
    return m.lock ? json((*m.lock).*field) : json(nullptr);
  };
  return {{"writes", m.writes},
          {"writes_per_s", m.writes_per_s},
          {"throughput_mbps", m.throughput_mbps},
          {"lat_avg_ns", m.lat_avg_ns},
          {"lat_p50_ns", m.lat_p50_ns},
          {"lat_p90_ns", m.lat_p90_ns},
          {"lat_p99_ns", m.lat_p99_ns},
          {"lat_p999_ns", m.lat_p999_ns},
          {"lat_max_ns", m.lat_max_ns},
          {"bytes_written", m.bytes_written},
          {"bytes_read", m.bytes_read},
          {"allocs_in_lock", pool(&pipepool::PoolStats::allocs_in_lock)},
          {"allocs_outside_lock", pool(&pipepool::PoolStats::allocs_outside_lock)},
          {"frees_in_lock", pool(&pipepool::PoolStats::frees_in_lock)},
          {"frees_outside_lock", pool(&pipepool::PoolStats::frees_outside_lock)},
          {"pool_hits", pool(&pipepool::PoolStats::pool_hits)},
          {"pool_peak", pool(&pipepool::PoolStats::pool_peak)},
          {"lock_violations", pool(&pipepool::PoolStats::lock_violations)},
          {"lock_hold_ns_per_write", lock(&LockPerWrite::hold_ns)},
          {"lock_wait_ns_per_write", lock(&LockPerWrite::wait_ns)},
          {"lock_contended_per_write", lock(&LockPerWrite::contended)},
          {"lock_acquisitions_per_write", lock(&LockPerWrite::acquisitions)},
          {"pages", pages_json(m.pages)}};
}

namespace {

json verify_json(const std::optional<VerifyReport>& v) {
  if (!v) return nullptr;
  return {{"sent", v->sent},
          {"received", v->received},
          {"lost", v->lost},
          {"duplicated", v->duplicated},
          {"corrupted", v->corrupted}};
}

// A simulated run's time per write by what it went to, {name: ns}.
json breakdown_json(const std::vector<std::pair<std::string, double>>& fields) {
  json out = json::object();
  for (const auto& [name, ns] : fields) out[name] = ns;
  return out;
}

json run_json(const TargetResult& r) {
  json out = {
      {"run", r.run_index},
      {"elapsed_s", r.run.elapsed_s},
      {"pressure_rss_bytes", r.pressure_rss_bytes ? json(*r.pressure_rss_bytes) : json(nullptr)},
      {"verify", verify_json(r.run.verify)},
      {"metrics", metrics_json(compute_metrics(r))},
      {"reclaim", reclaim_json(r.reclaim)}};
  if (r.simulated) out["seed"] = r.simulated->seed;
  if (r.simulated && !r.simulated->breakdown_ns.empty())
    out["breakdown"] = breakdown_json(r.simulated->breakdown_ns);
  return out;
}

// The first result that says where it came from, or nullptr when every run was measured.
const TargetResult* first_unmeasured(const std::vector<ConfigResults>& results) {
  for (const auto& config : results) {
    for (const auto& series : config.series) {
      for (const auto& r : series.runs) {
        if (r.simulated || r.replayed) return &r;
      }
    }
  }
  return nullptr;
}

json simulation_json(const SimulatedRun& sim, const std::vector<ConfigResults>& results) {
  std::set<std::uint64_t> seeds;
  for (const auto& config : results) {
    for (const auto& series : config.series) {
      for (const auto& r : series.runs) {
        if (r.simulated) seeds.insert(r.simulated->seed);
      }
    }
  }
  json costs = json::object();
  for (const auto& [name, ns] : sim.costs_ns) costs[name] = ns;
  return {{"engine", sim.engine},
          {"cpus", sim.cpus},
          {"seed", seeds.empty() ? sim.seed : *seeds.begin()},
          {"seeds", seeds},
          {"cost_source", sim.cost_source},
          {"costs_ns", std::move(costs)},
          {"wakeup_source", sim.wakeup_source},
          {"lock_model", sim.lock_model},
          {"page_model", sim.page_model},
          {"time", "virtual"}};
}

json replay_json(const ReplayedRun& replayed) {
  return {{"recording", replayed.recording},
          {"recorder", replayed.recorder},
          {"command", replayed.command},
          {"calls", replayed.calls}};
}

// A replayed series' own counts: pages freed when pipes closed, pipes, calls that could not move
// all their bytes, pages allocated per MiB written, and the difference from the kernel's
// recorded count in percent (null without one).
json replay_counts_json(const ConfigResults& config, const Series& series) {
  const TargetResult& r = series.runs.front();
  const Metrics m = compute_metrics(r);
  std::optional<std::uint64_t> kernel;
  for (const auto& s : config.series) {
    if (s.target == "kernel" && !s.runs.empty() && s.runs.front().run.kernel_pages) {
      kernel = s.runs.front().run.kernel_pages->allocs;
    }
  }
  const bool counted = m.pages && m.pages->allocs;
  const double allocs = counted ? static_cast<double>(*m.pages->allocs) : 0;
  const double mib = static_cast<double>(r.run.bytes_written) / (1024.0 * 1024.0);
  json vs = nullptr;
  if (counted && kernel && *kernel > 0 && r.target != "kernel") {
    const auto k = static_cast<double>(*kernel);
    vs = 100.0 * (allocs - k) / k;
  }
  return {{"frees_at_release", r.replayed->frees_at_release},
          {"pipes", r.replayed->pipes},
          {"short_calls", r.replayed->short_calls},
          {"pages_per_mib", counted && mib > 0 ? json(allocs / mib) : json(nullptr)},
          {"vs_kernel_pct", std::move(vs)}};
}

// {"simulated": true, "simulation": {...}} or {"replayed": true, "replay": {...}}; empty for
// measured runs.
json source_json(const std::vector<ConfigResults>& results) {
  const TargetResult* r = first_unmeasured(results);
  if (r == nullptr) return json::object();
  if (r->simulated) {
    return {{"simulated", true}, {"simulation", simulation_json(*r->simulated, results)}};
  }
  return {{"replayed", true}, {"replay", replay_json(*r->replayed)}};
}

}  // namespace

json session_json(const RunContext& context, const std::vector<ConfigResults>& results,
                  const std::vector<Comparison>& comparisons,
                  const std::vector<std::string>& baselines) {
  json out = source_json(results);
  out["context"] = context_json(context);
  out["baseline"] = baselines.empty() ? json(nullptr) : json(baselines.front());
  out["baselines"] = baselines;
  out["ci_method"] = kCiMethod;
  out["ci_method_description"] = kCiMethodText;
  json list = json::array();
  for (const auto& config : results) {
    for (const auto& series : config.series) {
      if (series.runs.empty()) continue;
      const SeriesStats stats = summarize(series);
      json runs = json::array();
      for (const auto& r : series.runs) runs.push_back(run_json(r));
      const auto n = static_cast<unsigned>(series.runs.size());
      json entry = {{"target", series.target},
                    {"config_index", config.config.index},
                    {"config", config_json(series.runs.front().config, n)},
                    {"metrics", metrics_json(stats.median)},
                    {"median", metrics_json(stats.median)},
                    {"min", metrics_json(stats.min)},
                    {"max", metrics_json(stats.max)},
                    {"runs", std::move(runs)}};
      if (series.runs.front().simulated) {
        entry["simulated"] = true;
        if (const auto b = median_breakdown(series); !b.empty())
          entry["breakdown"] = breakdown_json(b);
      }
      if (series.runs.front().replayed) {
        entry["replayed"] = true;
        entry["replay"] = replay_counts_json(config, series);
      }
      list.push_back(std::move(entry));
    }
  }
  out["results"] = std::move(list);
  json cmp = json::array();
  for (const auto& c : comparisons) {
    const Configuration& cfg = results.at(c.config_index).config;
    json ci = nullptr;
    if (c.estimate.ci95) ci = json::array({c.estimate.ci95->first, c.estimate.ci95->second});
    json entry = {{"config",
                   {{"index", cfg.index},
                    {"writers", cfg.writers},
                    {"readers", cfg.readers},
                    {"alloc_cost_ns", cfg.alloc_cost_ns}}},
                  {"baseline", c.baseline},
                  {"target", c.target},
                  {"metric", c.metric},
                  {"ratio", c.estimate.ratio},
                  {"ci95", std::move(ci)},
                  {"runs", c.estimate.pairs}};
    const json resolution = resolution_json(c);
    for (const auto& [key, value] : resolution.items()) entry[key] = value;
    cmp.push_back(std::move(entry));
  }
  out["comparisons"] = std::move(cmp);
  return out;
}

}  // namespace pipe_bench
