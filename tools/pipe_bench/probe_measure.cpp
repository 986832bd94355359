#include "pipe_bench/probe_measure.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>

namespace pipe_bench {
namespace {

constexpr std::size_t kPage = 4096;

double now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Pins the calling thread to the CPU it is on; restores the previous affinity when destroyed.
class CpuPin {
 public:
  explicit CpuPin(bool pin) {
    if (!pin) {
      text_ = "not pinned: disabled";
      return;
    }
    const int cpu = ::sched_getcpu();
    if (cpu < 0 || ::sched_getaffinity(0, sizeof(old_), &old_) != 0) {
      text_ = fmt::format("not pinned: {}", std::strerror(errno));
      return;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (::sched_setaffinity(0, sizeof(one), &one) != 0) {
      text_ = fmt::format("not pinned: {}", std::strerror(errno));
      return;
    }
    pinned_ = true;
    text_ = fmt::format("CPU {}", cpu);
  }
  ~CpuPin() {
    if (pinned_) ::sched_setaffinity(0, sizeof(old_), &old_);
  }
  CpuPin(const CpuPin&) = delete;
  CpuPin& operator=(const CpuPin&) = delete;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  cpu_set_t old_{};
  bool pinned_ = false;
  std::string text_;
};

class Fds {
 public:
  Fds() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Fds() {
    for (const int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  Fds(const Fds&) = delete;
  Fds& operator=(const Fds&) = delete;
  [[nodiscard]] bool ok() const noexcept { return fds_[0] >= 0; }
  [[nodiscard]] int rd() const noexcept { return fds_[0]; }
  [[nodiscard]] int wr() const noexcept { return fds_[1]; }

 private:
  int fds_[2];
};

struct FreeDeleter {
  void operator()(std::byte* p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<std::byte, FreeDeleter>;

Buffer touched_buffer(std::size_t bytes, int fill) {
  Buffer b(static_cast<std::byte*>(std::aligned_alloc(kPage, bytes)));
  if (b) std::memset(b.get(), fill, bytes);
  return b;
}

std::string validate(const ProbeOptions& o) {
  const auto has = [&](unsigned k) {
    return std::find(o.pages.begin(), o.pages.end(), k) != o.pages.end();
  };
  const bool large = std::any_of(o.pages.begin(), o.pages.end(), [](unsigned k) { return k > 2; });
  if (!has(1) || !has(2) || !large) return "page counts must include 1, 2 and one above 2";
  if (*std::max_element(o.pages.begin(), o.pages.end()) > 256) return "at most 256 pages";
  if (o.samples == 0) return "no samples";
  return {};
}

}  // namespace

Measurement measure_pipe_costs(const ProbeOptions& options) {
  Measurement m;
  m.error = validate(options);
  if (!m.error.empty()) return m;
  std::vector<unsigned> pages = options.pages;
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  const unsigned max_pages = pages.back();
  const std::size_t max_bytes = std::size_t{max_pages} * kPage;

  CpuPin pin(options.pin);
  m.pinning = pin.text();
  Fds fds;
  if (!fds.ok()) {
    m.error = fmt::format("pipe2: {}", std::strerror(errno));
    return m;
  }
  const std::size_t want = std::bit_ceil(std::max<std::size_t>(max_bytes, 16 * kPage));
  const int got = ::fcntl(fds.wr(), F_SETPIPE_SZ, static_cast<int>(want));
  if (got < 0 || static_cast<std::size_t>(got) < max_bytes) {
    m.error =
        fmt::format("F_SETPIPE_SZ {}: {}", want, got < 0 ? std::strerror(errno) : "too small");
    return m;
  }
  m.pipe_bytes = static_cast<std::size_t>(got);
  const Buffer wbuf = touched_buffer(max_bytes, 0x5a);
  const Buffer rbuf = touched_buffer(max_bytes, 0);
  if (!wbuf || !rbuf) {
    m.error = "out of memory for the probe's buffers";
    return m;
  }

  // Fills the two spare pages: on a fresh pipe the write allocates both, the read keeps both.
  if (::write(fds.wr(), wbuf.get(), 2 * kPage) != static_cast<ssize_t>(2 * kPage) ||
      ::read(fds.rd(), rbuf.get(), 2 * kPage) != static_cast<ssize_t>(2 * kPage)) {
    m.error = fmt::format("priming write/read: {}", std::strerror(errno));
    return m;
  }

  ProbeSamples& s = m.samples;
  m.warmup = options.warmup != 0 ? options.warmup : std::max(100u, options.samples / 10);
  const std::size_t rounds = std::size_t{m.warmup} + options.samples;
  for (auto* v : {&s.timer, &s.getppid, &s.write0}) v->reserve(options.samples);
  for (const unsigned k : pages) {
    s.write[k].reserve(options.samples);
    s.read[k].reserve(options.samples);
  }
  // Variants 0..2 are timer, getppid, null write; 3 + i is the write/read pair of pages[i].
  std::vector<std::size_t> order(3 + pages.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(options.seed);
  for (std::size_t round = 0; round < rounds; ++round) {
    const bool keep = round >= m.warmup;
    std::shuffle(order.begin(), order.end(), rng);
    for (const std::size_t v : order) {
      if (v < 3) {
        const double t0 = now_ns();
        long rc = 0;
        if (v == 1) rc = ::syscall(SYS_getppid);
        if (v == 2) rc = ::write(fds.wr(), wbuf.get(), 0);
        const double t1 = now_ns();
        if (rc < 0) {
          m.error = fmt::format("{}: {}", v == 1 ? "getppid" : "write(0)", std::strerror(errno));
          return m;
        }
        if (keep) (v == 0 ? s.timer : v == 1 ? s.getppid : s.write0).push_back(t1 - t0);
        continue;
      }
      const unsigned k = pages[v - 3];
      const auto bytes = static_cast<ssize_t>(std::size_t{k} * kPage);
      const double t0 = now_ns();
      const ssize_t w = ::write(fds.wr(), wbuf.get(), static_cast<std::size_t>(bytes));
      const double t1 = now_ns();
      const ssize_t r = ::read(fds.rd(), rbuf.get(), static_cast<std::size_t>(bytes));
      const double t2 = now_ns();
      if (w != bytes || r != bytes) {
        m.error =
            fmt::format("{}-page write/read returned {}/{}: {}", k, w, r, std::strerror(errno));
        return m;
      }
      if (keep) {
        s.write[k].push_back(t1 - t0);
        s.read[k].push_back(t2 - t1);
      }
    }
  }
  return m;
}

}  // namespace pipe_bench
