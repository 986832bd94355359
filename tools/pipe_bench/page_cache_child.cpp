#include "pipe_bench/page_cache_child.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

namespace pipe_bench {
namespace {

constexpr std::size_t kRead = 64 * 1024;
constexpr std::uint64_t kChunk = 256 * 1024;
constexpr long kPollNs = 5'000'000;

char g_buffer[kRead];  // the child's read buffer

std::uint64_t parse_decimal(const char* text, ssize_t n) noexcept {
  std::uint64_t v = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return v;
}

// Reads [offset, offset + bytes) of the file, wrapping at its end; returns the next offset.
std::uint64_t read_span(const CacheChildArgs& a, std::uint64_t offset, std::uint64_t bytes) {
  while (bytes > 0) {
    if (offset >= a.file_bytes) offset = 0;
    const std::uint64_t n = std::min<std::uint64_t>({kRead, bytes, a.file_bytes - offset});
    const ssize_t got = ::pread(a.file_fd, g_buffer, n, static_cast<off_t>(offset));
    if (got <= 0) return 0;
    offset += static_cast<std::uint64_t>(got);
    bytes -= static_cast<std::uint64_t>(got);
  }
  return offset;
}

}  // namespace

bool cache_dir_is_memory_fs(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  const auto magic = static_cast<unsigned long>(fs.f_type);
  return magic == TMPFS_MAGIC || magic == RAMFS_MAGIC;
}

int open_cache_file(const std::string& dir, std::uint64_t bytes, std::string& fs_type,
                    std::string& error) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) {
    error = fmt::format("cannot stat the file system of {}: {}", dir, std::strerror(errno));
    return -1;
  }
  const auto magic = static_cast<unsigned long>(fs.f_type);
  fs_type = magic == EXT4_SUPER_MAGIC    ? std::string("ext2/3/4")
            : magic == XFS_SUPER_MAGIC   ? std::string("xfs")
            : magic == BTRFS_SUPER_MAGIC ? std::string("btrfs")
                                         : fmt::format("statfs type 0x{:x}", magic);
  if (magic == TMPFS_MAGIC || magic == RAMFS_MAGIC) {
    error = fmt::format(
        "{} is on tmpfs/ramfs, whose pages cannot be reclaimed without swap; it needs a disk "
        "file system",
        dir);
    return -1;
  }
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string path = dir + "/pipe_bench-cache-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) {
      error = fmt::format("cannot create a file in {}: {}", dir, std::strerror(errno));
      return -1;
    }
    ::unlink(path.c_str());
  }
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    error = fmt::format("cannot size the file in {}: {}", dir, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  // No readahead: a read then adds only the pages it asks for, so the child can stay under the
  // limit (disks often read ahead megabytes).
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  return fd;
}

void run_cache_child(const CacheChildArgs& a) noexcept {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) ::signal(sig, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != a.parent) ::_exit(2);
  const int procs = ::open(a.procs_path, O_WRONLY | O_CLOEXEC);
  if (procs < 0 || ::write(procs, "0", 1) != 1) ::_exit(3);
  ::close(procs);
  const int usage = ::open(a.usage_path, O_RDONLY | O_CLOEXEC);
  if (usage < 0) ::_exit(3);
  std::uint64_t offset = read_span(a, 0, a.file_bytes);
  [[maybe_unused]] const auto w = ::write(a.ready_fd, "r", 1);
  ::close(a.ready_fd);
  char text[32];
  for (;;) {
    const ssize_t n = ::pread(usage, text, sizeof text, 0);
    const std::uint64_t used = n > 0 ? parse_decimal(text, n) : a.limit;
    // Room for a chunk and the readahead it may trigger, so that the child does not reach the
    // limit itself: reclaim is left to the others in the cgroup.
    if (used + 2 * kChunk <= a.limit) {
      offset = read_span(a, offset, kChunk);
    } else {
      const timespec pause{0, kPollNs};
      ::nanosleep(&pause, nullptr);
    }
  }
}

}  // namespace pipe_bench
