#include "pipe_bench/csv_report.hpp"

#include <fmt/format.h>

namespace pipe_bench {
namespace {

// Quotes a field when it holds a comma, a quote or a newline (RFC 4180).
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

template <typename T>
std::string optional_field(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : std::string();
}

}  // namespace

std::string csv_header() {
  return "config,writers,readers,msg_size,pipe_size,duration_s,allocator,alloc_cost_ns,rate,"
         "verify,memory_pressure,target,run,elapsed_s,writes,writes_per_s,throughput_mbps,"
         "lat_avg_ns,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_max_ns,bytes_written,"
         "bytes_read,allocs_in_lock,allocs_outside_lock,frees_in_lock,frees_outside_lock,"
         "pool_hits,pool_peak,pressure_rss_bytes,verify_ok,lock_hold_ns_per_write,"
         "lock_wait_ns_per_write,lock_contended_per_write,free_cost_ns,"
         "reclaim_stall_probability,reclaim_stall_ns,model_preset,reclaim_source,reclaimed,"
         "reclaim_failcnt,reclaim_pgpgin,reclaim_pgpgout,reclaim_pgscan,reclaim_pgsteal,"
         "reclaim_events_max,reclaim_events_high,vm_pgscan_direct,vm_pgsteal_direct,"
         "vm_allocstall,pages_source,pages_alloc,pages_free,pages_unavailable\n";
}

std::string csv_source_header() {
  return ",source,sim_cpus,sim_seed,sim_cost_source,replay_recording,replay_recorder";
}

std::string csv_source_fields(const TargetResult& r) {
  if (r.simulated) {
    const SimulatedRun& s = *r.simulated;
    return fmt::format(",simulated,{},{},{},,", s.cpus, s.seed, field(s.cost_source));
  }
  if (r.replayed) {
    return fmt::format(",replayed,,,,{},{}", field(r.replayed->recording),
                       field(r.replayed->recorder));
  }
  return ",measured,,,,,";
}

std::string csv_row(const Configuration& config, const TargetResult& r) {
  const Metrics m = compute_metrics(r);
  const auto pool = [&](std::uint64_t pipepool::PoolStats::*f) {
    return m.pool ? fmt::format("{}", (*m.pool).*f) : std::string();
  };
  const RunConfig& c = r.config;
  std::string out = fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},", config.index, c.writers, c.readers,
      c.msg_size, c.pipe_size, c.duration_s, field(c.allocator), c.alloc_cost_ns,
      c.rate > 0 ? fmt::format("{}", c.rate) : std::string(), c.verify ? 1 : 0, field(c.pressure),
      field(r.target), r.run_index, r.run.elapsed_s);
  out += fmt::format("{},{:.3f},{:.3f},{:.1f},{},{},{},{},{},{},{},", m.writes, m.writes_per_s,
                     m.throughput_mbps, m.lat_avg_ns, m.lat_p50_ns, m.lat_p90_ns, m.lat_p99_ns,
                     m.lat_p999_ns, m.lat_max_ns, m.bytes_written, m.bytes_read);
  using P = pipepool::PoolStats;
  const auto lock = [&](double LockPerWrite::*f) {
    return m.lock ? fmt::format("{:.1f}", (*m.lock).*f) : std::string();
  };
  out += fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},", pool(&P::allocs_in_lock), pool(&P::allocs_outside_lock),
      pool(&P::frees_in_lock), pool(&P::frees_outside_lock), pool(&P::pool_hits),
      pool(&P::pool_peak), optional_field(r.pressure_rss_bytes),
      r.run.verify ? (r.run.verify->ok() ? "1" : "0") : "", lock(&LockPerWrite::hold_ns),
      lock(&LockPerWrite::wait_ns), lock(&LockPerWrite::contended));
  out += fmt::format("{},{},{},{}", c.free_cost_ns, c.reclaim_stall_probability, c.reclaim_stall_ns,
                     field(c.model_preset));
  if (!r.reclaim) {
    out += ",,,,,,,,,,,,";
  } else {
    const ReclaimCounters& d = *r.reclaim;
    out += fmt::format(
        ",{},{},{},{},{},{},{},{},{},{},{},{}", field(d.source), reclaim_caused(d) ? 1 : 0,
        optional_field(d.failcnt), optional_field(d.pgpgin), optional_field(d.pgpgout),
        optional_field(d.pgscan), optional_field(d.pgsteal), optional_field(d.events_max),
        optional_field(d.events_high), optional_field(d.vm_pgscan_direct),
        optional_field(d.vm_pgsteal_direct), optional_field(d.vm_allocstall));
  }
  if (!m.pages) return out + ",,,,\n";
  return out + fmt::format(",{},{},{},{}\n", field(m.pages->source),
                           optional_field(m.pages->allocs), optional_field(m.pages->frees),
                           field(m.pages->unavailable));
}

std::string to_csv(const std::vector<ConfigResults>& results) {
  bool unmeasured = false;
  for (const auto& config : results) {
    for (const auto& s : config.series) {
      for (const auto& r : s.runs) unmeasured = unmeasured || r.simulated || r.replayed;
    }
  }
  std::string out = csv_header();
  if (unmeasured) out.insert(out.size() - 1, csv_source_header());
  const auto row = [&](const Configuration& config, const TargetResult& r) {
    std::string line = csv_row(config, r);
    if (unmeasured) line.insert(line.size() - 1, csv_source_fields(r));
    return line;
  };
  for (const auto& config : results) {
    // Rows in run order: run 1 of every target, then run 2, ... as they were measured.
    std::size_t runs = 0;
    for (const auto& s : config.series) runs = std::max(runs, s.runs.size());
    for (std::size_t i = 0; i < runs; ++i) {
      for (const auto& s : config.series) {
        if (i < s.runs.size()) out += row(config.config, s.runs[i]);
      }
    }
  }
  return out;
}

}  // namespace pipe_bench
