// pipepool_idle's measurement.
#include "idle/idle_run.hpp"

#include <memory>

#include "pipepool/pipe.hpp"
#include "pipepool/shrinker.hpp"

namespace pipepool_idle {
namespace {

std::int64_t live_pages(const pipepool::PageAllocator& allocator) {
  const pipepool::AllocatorStats s = allocator.stats();
  return static_cast<std::int64_t>(s.allocations) - static_cast<std::int64_t>(s.frees);
}

std::uint64_t held_pages(const std::vector<pipepool::PipePair>& pipes) {
  std::uint64_t held = 0;
  for (const auto& p : pipes) held += p.reader.stats().pool.pool_size;
  return held;
}

}  // namespace

std::optional<IdleRow> measure_policy(pipepool::PolicyKind policy, std::size_t pipes,
                                      pipepool::AllocatorKind allocator_kind, std::string& error) {
  const std::shared_ptr<pipepool::PageAllocator> allocator =
      pipepool::make_allocator({allocator_kind, {}});
  pipepool::shrink_all();  // shrinker pages of earlier pipes are not this row's
  const std::int64_t live_start = live_pages(*allocator);

  IdleRow row;
  row.policy = std::string(pipepool::to_string(policy));
  row.pipes = pipes;
  const std::vector<std::byte> data(kWriteBytes, std::byte{0x5a});
  std::vector<std::byte> buf(kWriteBytes);
  std::vector<pipepool::PipePair> open;
  open.reserve(pipes);
  for (std::size_t i = 0; i < pipes; ++i) {
    pipepool::PipeOptions o;
    o.policy = policy;
    o.allocator_instance = allocator;
    o.nonblocking = true;
    pipepool::PipePair p = pipepool::make_pipe(o);
    if (!p.ok()) {
      error = row.policy + ": pipe " + std::to_string(i) + " could not be made";
      return std::nullopt;
    }
    const std::size_t wrote = p.writer.write(data).count;
    const std::size_t got = p.reader.read(buf).count;
    if (wrote != kWriteBytes || got != kWriteBytes) {
      error = row.policy + ": pipe " + std::to_string(i) + " wrote " + std::to_string(wrote) +
              " and read " + std::to_string(got) + " of " + std::to_string(kWriteBytes) + " bytes";
      return std::nullopt;
    }
    open.push_back(std::move(p));
  }
  row.held_before = held_pages(open);
  row.live_before = live_pages(*allocator) - live_start;
  row.reclaimed = pipepool::shrink_all();
  row.held_after = held_pages(open);
  row.live_after = live_pages(*allocator) - live_start;
  return row;
}

std::optional<std::vector<IdleRow>> measure(const IdleOptions& options, std::string& error) {
  std::vector<IdleRow> rows;
  for (const pipepool::PolicyKind policy : options.policies) {
    auto row = measure_policy(policy, options.pipes, options.allocator, error);
    if (!row) return std::nullopt;
    rows.push_back(std::move(*row));
  }
  return rows;
}

}  // namespace pipepool_idle
