#include "pipe_bench/probe_measure.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <thread>
#include <tuple>

#include "pipe_bench/probe_cross_cpu.hpp"

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

// Times one read(fd, buf, bytes) and returns {result, ns}: on the calling thread, or handed to a
// thread pinned to another CPU that runs it while the caller spins (both CPUs stay busy, so no
// wake-up latency enters the figure).
class Reader {
 public:
  // Reads on the calling thread.
  Reader() = default;
  // Reads on a thread pinned to `cpu`; pinned() says whether pinning worked.
  explicit Reader(int cpu) : thread_([this, cpu] { serve(cpu); }) {
    while (state_.load(std::memory_order_acquire) == kStarting) cpu_relax();
  }
  ~Reader() {
    if (!thread_.joinable()) return;
    state_.store(kQuit, std::memory_order_release);
    thread_.join();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  [[nodiscard]] bool pinned() const noexcept { return pinned_; }

  std::pair<ssize_t, double> read(int fd, std::byte* buf, std::size_t bytes) {
    if (!thread_.joinable()) return timed_read(fd, buf, bytes);
    fd_ = fd;
    buf_ = buf;
    bytes_ = bytes;
    state_.store(kRequest, std::memory_order_release);
    while (state_.load(std::memory_order_acquire) != kDone) cpu_relax();
    state_.store(kIdle, std::memory_order_relaxed);
    return {result_, ns_};
  }

 private:
  enum : std::uint32_t { kStarting, kIdle, kRequest, kDone, kQuit };

  static std::pair<ssize_t, double> timed_read(int fd, std::byte* buf, std::size_t bytes) {
    const double t0 = now_ns();
    const ssize_t r = ::read(fd, buf, bytes);
    return {r, now_ns() - t0};
  }

  void serve(int cpu) {
    pinned_ = pin_thread_to(cpu);
    state_.store(kIdle, std::memory_order_release);
    for (;;) {
      const std::uint32_t s = state_.load(std::memory_order_acquire);
      if (s == kQuit) return;
      if (s != kRequest) {
        cpu_relax();
        continue;
      }
      std::tie(result_, ns_) = timed_read(fd_, buf_, bytes_);
      state_.store(kDone, std::memory_order_release);
    }
  }

  alignas(64) std::atomic<std::uint32_t> state_{kStarting};
  int fd_ = -1;
  std::byte* buf_ = nullptr;
  std::size_t bytes_ = 0;
  ssize_t result_ = 0;
  double ns_ = 0;
  bool pinned_ = false;
  std::thread thread_;  // last: started once the members above exist
};

Measurement measure(const ProbeOptions& options, Reader& reader, std::string pinning) {
  Measurement m;
  m.error = validate(options);
  if (!m.error.empty()) return m;
  std::vector<unsigned> pages = options.pages;
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  const unsigned max_pages = pages.back();
  const std::size_t max_bytes = std::size_t{max_pages} * kPage;

  m.pinning = std::move(pinning);
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
      const auto [r, read_ns] = reader.read(fds.rd(), rbuf.get(), static_cast<std::size_t>(bytes));
      if (w != bytes || r != bytes) {
        m.error =
            fmt::format("{}-page write/read returned {}/{}: {}", k, w, r, std::strerror(errno));
        return m;
      }
      if (keep) {
        s.write[k].push_back(t1 - t0);
        s.read[k].push_back(read_ns);
      }
    }
  }
  return m;
}

}  // namespace

Measurement measure_pipe_costs(const ProbeOptions& options) {
  CpuPin pin(options.pin);
  Reader here;
  return measure(options, here, pin.text());
}

Measurement measure_pipe_costs_across_cpus(const ProbeOptions& options) {
  Measurement m;
  const TwoCpus cpus(m.error);
  if (!cpus.ok()) return m;
  const bool writer_pinned = pin_thread_to(cpus.first());
  {
    Reader other(cpus.second());
    if (writer_pinned && other.pinned()) {
      m = measure(options, other,
                  fmt::format("writes on CPU {}, reads on CPU {}", cpus.first(), cpus.second()));
    } else {
      m.error = fmt::format("could not pin to CPUs {} and {}", cpus.first(), cpus.second());
    }
  }
  return m;
}

}  // namespace pipe_bench
