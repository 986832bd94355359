#include "pipe_bench/replay/replayer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <span>

#include "pipe_bench/replay/replay_loop.hpp"
#include "pipepool/pipe.hpp"

namespace pipe_bench::replay {
namespace {

// pipepool pipes as ReplayLoop's pipe kind: non-blocking, `--copy kernel`, one heap allocator.
class PipepoolKind {
 public:
  struct Pipe {
    pipepool::Reader reader;
    pipepool::Writer writer;
  };

  PipepoolKind(pipepool::PolicyKind policy, const pipepool::PoolSizes& sizes)
      : policy_(policy),
        sizes_(sizes),
        allocator_(pipepool::make_allocator({pipepool::AllocatorKind::heap, {}})) {}

  std::optional<Pipe> open(std::string& error) {
    pipepool::PipeOptions options;
    options.policy = policy_;
    options.pool_sizes = sizes_;
    options.allocator_instance = allocator_;
    options.nonblocking = true;
    options.no_sigpipe = true;
    options.copy = pipepool::CopyMode::kernel;
    auto pair = pipepool::make_pipe(options);
    if (!pair.ok()) {
      error = fmt::format("{}: make_pipe failed: {}", pipepool::to_string(policy_),
                          pair.error.message());
      return std::nullopt;
    }
    ++counts_.pipes;
    return Pipe{std::move(pair.reader), std::move(pair.writer)};
  }

  // Adds the pipe's counters to the totals.
  void close(Pipe& p) {
    const pipepool::PipeStats s = p.reader.stats();
    counts_.bytes_read += s.bytes_read;
    counts_.pool.allocs_in_lock += s.pool.allocs_in_lock;
    counts_.pool.allocs_outside_lock += s.pool.allocs_outside_lock;
    counts_.pool.frees_in_lock += s.pool.frees_in_lock;
    counts_.pool.frees_outside_lock += s.pool.frees_outside_lock;
    counts_.pool.alloc_failures += s.pool.alloc_failures;
    counts_.pool.pool_hits += s.pool.pool_hits;
    counts_.pool.lock_violations += s.pool.lock_violations;
    counts_.pool.pool_peak = std::max(counts_.pool.pool_peak, s.pool.pool_peak);
  }

  static std::size_t write(Pipe& p, std::span<const std::byte> bytes) {
    return moved(p.writer.write(bytes));
  }
  static std::size_t read(Pipe& p, std::span<std::byte> bytes) {
    return moved(p.reader.read(bytes));
  }
  // Pages referenced, not copied: the pipe allocates none for them, as for a splice from the
  // page cache.
  static std::size_t vmsplice(Pipe& p, std::span<const std::byte> bytes) {
    const iovec v{const_cast<std::byte*>(bytes.data()), bytes.size()};
    return moved(p.writer.vmsplice({&v, 1}, 0));
  }
  static std::size_t splice(Pipe& from, Pipe& to, std::size_t len) {
    return moved(pipepool::splice(from.reader, to.writer, len));
  }
  static std::size_t tee(Pipe& from, Pipe& to, std::size_t len) {
    return moved(pipepool::tee(from.reader, to.writer, len));
  }
  static bool set_size(Pipe& p, std::size_t bytes) { return p.writer.set_pipe_size(bytes).ok(); }

  // The counts so far, with the allocator's.
  [[nodiscard]] ReplayCounts counts() const {
    ReplayCounts c = counts_;
    const pipepool::AllocatorStats a = allocator_->stats();
    c.allocs = a.allocations;
    c.frees = a.frees;
    const std::uint64_t pool_frees = c.pool.frees_in_lock + c.pool.frees_outside_lock;
    c.frees_at_release = a.frees > pool_frees ? a.frees - pool_frees : 0;
    return c;
  }

 private:
  static std::size_t moved(const pipepool::IoResult& r) { return r.ok() ? r.count : 0; }

  pipepool::PolicyKind policy_;
  pipepool::PoolSizes sizes_;
  std::shared_ptr<pipepool::PageAllocator> allocator_;
  ReplayCounts counts_;
};

}  // namespace

bool ReplayCounts::operator==(const ReplayCounts& o) const {
  return pool.allocs_in_lock == o.pool.allocs_in_lock &&
         pool.allocs_outside_lock == o.pool.allocs_outside_lock &&
         pool.frees_in_lock == o.pool.frees_in_lock &&
         pool.frees_outside_lock == o.pool.frees_outside_lock &&
         pool.pool_hits == o.pool.pool_hits && pool.pool_peak == o.pool.pool_peak &&
         allocs == o.allocs && frees == o.frees && frees_at_release == o.frees_at_release &&
         bytes_written == o.bytes_written && bytes_read == o.bytes_read && pipes == o.pipes &&
         short_calls == o.short_calls;
}

ReplayOutcome replay(const Recording& recording, pipepool::PolicyKind policy,
                     const pipepool::PoolSizes& sizes) {
  PipepoolKind kind(policy, sizes);
  ReplayOutcome out;
  std::uint64_t written = 0;
  std::uint64_t short_calls = 0;
  {
    ReplayLoop<PipepoolKind> loop(kind);
    if (!loop.run(recording, out.error)) return out;
    written = loop.bytes_written();
    short_calls = loop.short_calls();
  }
  out.counts = kind.counts();
  out.counts.bytes_written = written;
  out.counts.short_calls = short_calls;
  return out;
}

}  // namespace pipe_bench::replay
