#include "pipe_bench/replay/replayer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "pipepool/pipe.hpp"

namespace pipe_bench::replay {
namespace {

constexpr std::size_t kChunk = 1 << 20;

struct ReplayPipe {
  pipepool::Reader reader;
  pipepool::Writer writer;
  std::uint64_t pending = 0;  // bytes written by recorded calls that did not fit yet
};

class Replayer {
 public:
  Replayer(pipepool::PolicyKind policy, const pipepool::PoolSizes& sizes)
      : policy_(policy),
        sizes_(sizes),
        allocator_(pipepool::make_allocator({pipepool::AllocatorKind::heap, {}})),
        data_(kChunk),
        sink_(kChunk) {}

  ReplayOutcome run(const Recording& recording) {
    ReplayOutcome out;
    for (const PipeCall& call : recording.calls) {
      if (!apply(call, out.error)) return out;
    }
    while (!pipes_.empty()) release(pipes_.begin()->first);
    const pipepool::AllocatorStats a = allocator_->stats();
    counts_.allocs = a.allocations;
    counts_.frees = a.frees;
    const std::uint64_t pool_frees = counts_.pool.frees_in_lock + counts_.pool.frees_outside_lock;
    counts_.frees_at_release = a.frees > pool_frees ? a.frees - pool_frees : 0;
    out.counts = counts_;
    return out;
  }

 private:
  ReplayPipe* get(std::uint64_t inode, std::string& error) {
    auto it = pipes_.find(inode);
    if (it != pipes_.end()) return &it->second;
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
      return nullptr;
    }
    ++counts_.pipes;
    auto [ins, ok] =
        pipes_.emplace(inode, ReplayPipe{std::move(pair.reader), std::move(pair.writer), 0});
    return &ins->second;
  }

  // Writes what fits of the bytes waiting to go in.
  void flush(ReplayPipe& p) {
    while (p.pending > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(p.pending, kChunk));
      const auto r = p.writer.write(std::span<const std::byte>(data_.data(), n));
      if (!r.ok() || r.count == 0) return;
      p.pending -= r.count;
      counts_.bytes_written += r.count;
    }
  }

  std::uint64_t drain(ReplayPipe& p, std::uint64_t want) {
    std::uint64_t got = 0;
    while (got < want) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(want - got, kChunk));
      const auto r = p.reader.read(std::span<std::byte>(sink_.data(), n));
      if (r.ok() && r.count > 0) {
        got += r.count;
        flush(p);
        continue;
      }
      const std::uint64_t before = p.pending;
      flush(p);
      if (p.pending == before) break;
    }
    return got;
  }

  bool apply(const PipeCall& call, std::string& error) {
    if (call.kind == CallKind::release) {
      release(call.pipe);
      return true;
    }
    if (call.kind == CallKind::create) {
      if (pipes_.count(call.pipe)) release(call.pipe);
      return get(call.pipe, error) != nullptr;
    }
    ReplayPipe* p = get(call.pipe, error);
    if (!p) return false;
    if (call.result <= 0) return true;
    const auto moved = static_cast<std::uint64_t>(call.result);
    switch (call.kind) {
      case CallKind::write:
        p->pending += moved;
        flush(*p);
        break;
      case CallKind::read:
      case CallKind::splice_out:
        if (drain(*p, moved) < moved) ++counts_.short_calls;
        break;
      case CallKind::set_size:
        if (!p->writer.set_pipe_size(static_cast<std::size_t>(call.requested)).ok()) {
          ++counts_.short_calls;
        }
        break;
      case CallKind::splice_in:
      case CallKind::vmsplice:
        vmsplice(*p, moved);
        break;
      case CallKind::splice:
      case CallKind::tee: {
        ReplayPipe* q = get(call.peer, error);
        if (!q) return false;
        flush(*p);
        std::uint64_t done = 0;
        while (done < moved) {
          const auto r = call.kind == CallKind::splice
                             ? pipepool::splice(p->reader, q->writer, moved - done)
                             : pipepool::tee(p->reader, q->writer, moved - done);
          if (!r.ok() || r.count == 0) break;
          done += r.count;
          if (call.kind == CallKind::splice) flush(*p);
        }
        if (done < moved) ++counts_.short_calls;
        break;
      }
      case CallKind::create:
      case CallKind::release:
        break;
    }
    return true;
  }

  // Pages referenced, not copied: the pipe allocates none for them, as for a splice from the
  // page cache.
  void vmsplice(ReplayPipe& p, std::uint64_t len) {
    std::uint64_t done = 0;
    while (done < len) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len - done, kChunk));
      const iovec v{data_.data(), n};
      const auto r = p.writer.vmsplice({&v, 1}, 0);
      if (!r.ok() || r.count == 0) break;
      done += r.count;
      counts_.bytes_written += r.count;
    }
    if (done < len) ++counts_.short_calls;
  }

  void release(std::uint64_t inode) {
    auto it = pipes_.find(inode);
    if (it == pipes_.end()) return;
    ReplayPipe& p = it->second;
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
    pipes_.erase(it);
  }

  pipepool::PolicyKind policy_;
  pipepool::PoolSizes sizes_;
  std::shared_ptr<pipepool::PageAllocator> allocator_;
  std::vector<std::byte> data_;
  std::vector<std::byte> sink_;
  std::map<std::uint64_t, ReplayPipe> pipes_;
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
  return Replayer(policy, sizes).run(recording);
}

}  // namespace pipe_bench::replay
