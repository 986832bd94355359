#include "pipe_bench/replay/kernel_replay.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "pipe_bench/kernel_pages/kernel_counters.hpp"

namespace pipe_bench::replay {
namespace {

constexpr std::size_t kChunk = 1 << 20;

struct KernelPipe {
  int read_fd = -1;
  int write_fd = -1;
  std::uint64_t pending = 0;
};

class KernelReplayer {
 public:
  KernelReplayer() : data_(kChunk), sink_(kChunk) {}
  ~KernelReplayer() {
    while (!pipes_.empty()) release(pipes_.begin()->first);
  }

  bool run(const Recording& recording, std::string& error) {
    for (const PipeCall& call : recording.calls) {
      if (!apply(call, error)) return false;
    }
    while (!pipes_.empty()) release(pipes_.begin()->first);
    return true;
  }
  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  KernelPipe* get(std::uint64_t inode, std::string& error) {
    auto it = pipes_.find(inode);
    if (it != pipes_.end()) return &it->second;
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
      error = fmt::format("pipe2 failed: {}", std::strerror(errno));
      return nullptr;
    }
    return &pipes_.emplace(inode, KernelPipe{fds[0], fds[1], 0}).first->second;
  }

  void flush(KernelPipe& p) {
    while (p.pending > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(p.pending, kChunk));
      const ssize_t r = ::write(p.write_fd, data_.data(), n);
      if (r <= 0) return;
      p.pending -= static_cast<std::uint64_t>(r);
      bytes_written_ += static_cast<std::uint64_t>(r);
    }
  }

  void drain(KernelPipe& p, std::uint64_t want) {
    std::uint64_t got = 0;
    while (got < want) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(want - got, kChunk));
      const ssize_t r = ::read(p.read_fd, sink_.data(), n);
      if (r > 0) {
        got += static_cast<std::uint64_t>(r);
        flush(p);
        continue;
      }
      const std::uint64_t before = p.pending;
      flush(p);
      if (p.pending == before) return;
    }
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
    KernelPipe* p = get(call.pipe, error);
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
        drain(*p, moved);
        break;
      case CallKind::set_size:
        (void)::fcntl(p->write_fd, F_SETPIPE_SZ, static_cast<int>(call.requested));
        break;
      case CallKind::splice_in:
      case CallKind::vmsplice: {
        std::uint64_t done = 0;
        while (done < moved) {
          const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(moved - done, kChunk));
          iovec v{data_.data(), n};
          const ssize_t r = ::vmsplice(p->write_fd, &v, 1, SPLICE_F_NONBLOCK);
          if (r <= 0) break;
          done += static_cast<std::uint64_t>(r);
          bytes_written_ += static_cast<std::uint64_t>(r);
        }
        break;
      }
      case CallKind::splice:
      case CallKind::tee: {
        KernelPipe* q = get(call.peer, error);
        if (!q) return false;
        flush(*p);
        std::uint64_t done = 0;
        while (done < moved) {
          const auto n = static_cast<std::size_t>(moved - done);
          const ssize_t r =
              call.kind == CallKind::splice
                  ? ::splice(p->read_fd, nullptr, q->write_fd, nullptr, n, SPLICE_F_NONBLOCK)
                  : ::tee(p->read_fd, q->write_fd, n, SPLICE_F_NONBLOCK);
          if (r <= 0) break;
          done += static_cast<std::uint64_t>(r);
          if (call.kind == CallKind::splice) flush(*p);
        }
        break;
      }
      case CallKind::create:
      case CallKind::release:
        break;
    }
    return true;
  }

  void release(std::uint64_t inode) {
    auto it = pipes_.find(inode);
    if (it == pipes_.end()) return;
    ::close(it->second.read_fd);
    ::close(it->second.write_fd);
    pipes_.erase(it);
  }

  std::vector<std::byte> data_;
  std::vector<std::byte> sink_;
  std::map<std::uint64_t, KernelPipe> pipes_;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace

KernelReplay replay_on_kernel(const Recording& recording, const std::string& tracefs_root) {
  KernelReplay out;
  kernel_pages::OpenedCounters opened = kernel_pages::open_kernel_page_counters(tracefs_root);
  if (!opened.counters) {
    out.count.unavailable = opened.unavailable;
    return out;
  }
  std::string error;
  bool ok = false;
  {
    KernelReplayer replayer;
    ok = replayer.run(recording, error);
    out.bytes_written = replayer.bytes_written();
  }
  std::string stop_error;
  const kernel_pages::PageCounts counts = opened.counters->stop(stop_error);
  if (!ok) {
    out.count.unavailable = error;
  } else if (!stop_error.empty()) {
    out.count.unavailable = stop_error;
  } else {
    out.count.allocs = counts.allocs;
    out.count.frees = counts.frees;
  }
  return out;
}

}  // namespace pipe_bench::replay
