#include "pipe_bench/replay/kernel_replay.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <span>

#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/replay_loop.hpp"

namespace pipe_bench::replay {
namespace {

// Kernel pipes as ReplayLoop's pipe kind: pipe2 with O_NONBLOCK, every call SPLICE_F_NONBLOCK.
class KernelKind {
 public:
  struct Pipe {
    int read_fd = -1;
    int write_fd = -1;
  };

  static std::optional<Pipe> open(std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
      error = fmt::format("pipe2 failed: {}", std::strerror(errno));
      return std::nullopt;
    }
    return Pipe{fds[0], fds[1]};
  }
  static void close(Pipe& p) {
    ::close(p.read_fd);
    ::close(p.write_fd);
  }
  static std::size_t write(Pipe& p, std::span<const std::byte> bytes) {
    return moved(::write(p.write_fd, bytes.data(), bytes.size()));
  }
  static std::size_t read(Pipe& p, std::span<std::byte> bytes) {
    return moved(::read(p.read_fd, bytes.data(), bytes.size()));
  }
  static std::size_t vmsplice(Pipe& p, std::span<const std::byte> bytes) {
    iovec v{const_cast<std::byte*>(bytes.data()), bytes.size()};
    return moved(::vmsplice(p.write_fd, &v, 1, SPLICE_F_NONBLOCK));
  }
  static std::size_t splice(Pipe& from, Pipe& to, std::size_t len) {
    return moved(::splice(from.read_fd, nullptr, to.write_fd, nullptr, len, SPLICE_F_NONBLOCK));
  }
  static std::size_t tee(Pipe& from, Pipe& to, std::size_t len) {
    return moved(::tee(from.read_fd, to.write_fd, len, SPLICE_F_NONBLOCK));
  }
  static bool set_size(Pipe& p, std::size_t bytes) {
    return ::fcntl(p.write_fd, F_SETPIPE_SZ, static_cast<int>(bytes)) >= 0;
  }

 private:
  static std::size_t moved(ssize_t r) { return r > 0 ? static_cast<std::size_t>(r) : 0; }
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
    KernelKind kind;
    ReplayLoop<KernelKind> loop(kind);
    ok = loop.run(recording, error);
    out.bytes_written = loop.bytes_written();
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
