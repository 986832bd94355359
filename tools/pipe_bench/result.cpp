#include "pipe_bench/result.hpp"

namespace pipe_bench {

Metrics compute_metrics(const TargetResult& result) noexcept {
  const WorkloadResult& run = result.run;
  Metrics m;
  m.writes = run.writes;
  if (run.elapsed_s > 0) {
    m.writes_per_s = static_cast<double>(run.writes) / run.elapsed_s;
    m.throughput_mbps = static_cast<double>(run.bytes_written) / run.elapsed_s / (1024.0 * 1024.0);
  }
  m.lat_avg_ns = run.latency.mean();
  m.lat_p50_ns = run.latency.percentile(50);
  m.lat_p90_ns = run.latency.percentile(90);
  m.lat_p99_ns = run.latency.percentile(99);
  m.lat_p999_ns = run.latency.percentile(99.9);
  m.lat_max_ns = run.latency.max();
  m.bytes_written = run.bytes_written;
  m.bytes_read = run.bytes_read;
  if (run.pipe_stats) {
    m.pool = run.pipe_stats->pool;
    const pipepool::LockStats& l = run.pipe_stats->lock;
    const double writes = run.writes > 0 ? static_cast<double>(run.writes) : 1.0;
    m.lock = LockPerWrite{
        static_cast<double>(l.hold_ns) / writes, static_cast<double>(l.wait_ns) / writes,
        static_cast<double>(l.contended) / writes, static_cast<double>(l.acquisitions) / writes};
    const pipepool::PoolStats& p = run.pipe_stats->pool;
    // A replay's pipes are closed at their recorded release, which frees the pages they still
    // hold outside the pool's counters.
    const std::uint64_t released = result.replayed ? result.replayed->frees_at_release : 0;
    m.pages = PageTraffic{kPagesFromPipepool,
                          p.allocs_in_lock + p.allocs_outside_lock,
                          p.frees_in_lock + p.frees_outside_lock + released,
                          {}};
  } else if (run.kernel_pages) {
    const KernelPageTraffic& k = *run.kernel_pages;
    m.pages = PageTraffic{kPagesFromKernel, k.allocs, k.frees, k.unavailable};
  }
  return m;
}

bool reclaimed(const TargetResult& result) noexcept {
  return result.reclaim && reclaim_caused(*result.reclaim);
}

}  // namespace pipe_bench
