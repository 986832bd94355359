#include "pipe_bench/probe_cross_cpu.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>

#include "pipe_bench/futex.hpp"

namespace pipe_bench {
namespace {

constexpr auto kIdleBeforeWake = std::chrono::microseconds(200);
constexpr double kSpinBeforeReleaseNs = 2000;

double now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The words both threads touch, on one cache line.
struct alignas(64) Shared {
  std::atomic<std::uint32_t> word{0};   // futex word, or lock word
  std::atomic<std::uint32_t> phase{0};  // round handshakes
  std::atomic<double> stamp{0};         // the waker's / releaser's clock read
};

// Phases of one round: 1 the waiter is about to sleep, 2 it woke, 0 the waker saw that.
void futex_rounds(Shared& s, unsigned rounds, int other_cpu, std::vector<double>& out,
                  bool& pinned) {
  std::thread waiter([&] {
    pinned = pin_thread_to(other_cpu) && pinned;
    for (unsigned i = 0; i < rounds; ++i) {
      s.phase.store(1, std::memory_order_release);
      while (s.word.load(std::memory_order_acquire) == 0) futex_wait(s.word, 0);
      const double woke = now_ns();
      out.push_back(woke - s.stamp.load(std::memory_order_relaxed));
      s.word.store(0, std::memory_order_relaxed);
      s.phase.store(2, std::memory_order_release);
      while (s.phase.load(std::memory_order_acquire) != 0) cpu_relax();
    }
  });
  for (unsigned i = 0; i < rounds; ++i) {
    while (s.phase.load(std::memory_order_acquire) != 1) cpu_relax();
    std::this_thread::sleep_for(kIdleBeforeWake);
    s.stamp.store(now_ns(), std::memory_order_relaxed);
    s.word.store(1, std::memory_order_release);
    futex_wake_all(s.word);
    while (s.phase.load(std::memory_order_acquire) != 2) cpu_relax();
    s.phase.store(0, std::memory_order_release);
  }
  waiter.join();
}

// Phases of one round: 0 the owner holds the lock, 1 the spinner spins, 2 it took the lock, 3 the
// owner saw that.
void handoff_rounds(Shared& s, unsigned rounds, int other_cpu, std::vector<double>& out,
                    bool& pinned) {
  s.phase.store(3, std::memory_order_relaxed);
  std::thread spinner([&] {
    pinned = pin_thread_to(other_cpu) && pinned;
    for (unsigned i = 0; i < rounds; ++i) {
      while (s.phase.load(std::memory_order_acquire) != 0) cpu_relax();
      s.phase.store(1, std::memory_order_release);
      for (;;) {
        std::uint32_t free = 0;
        if (s.word.load(std::memory_order_relaxed) == 0 &&
            s.word.compare_exchange_weak(free, 1, std::memory_order_acquire))
          break;
        cpu_relax();
      }
      const double took = now_ns();
      out.push_back(took - s.stamp.load(std::memory_order_relaxed));
      s.word.store(0, std::memory_order_release);
      s.phase.store(2, std::memory_order_release);
      while (s.phase.load(std::memory_order_acquire) == 2) cpu_relax();
    }
  });
  for (unsigned i = 0; i < rounds; ++i) {
    s.word.store(1, std::memory_order_relaxed);
    s.phase.store(0, std::memory_order_release);
    while (s.phase.load(std::memory_order_acquire) != 1) cpu_relax();
    const double spin_until = now_ns() + kSpinBeforeReleaseNs;
    while (now_ns() < spin_until) cpu_relax();
    s.stamp.store(now_ns(), std::memory_order_relaxed);
    s.word.store(0, std::memory_order_release);
    while (s.phase.load(std::memory_order_acquire) != 2) cpu_relax();
    s.phase.store(3, std::memory_order_release);
  }
  spinner.join();
}

}  // namespace

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

bool pin_thread_to(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
}

AffinityRestore::AffinityRestore() noexcept {
  CPU_ZERO(&saved_);
  ok_ = ::pthread_getaffinity_np(::pthread_self(), sizeof saved_, &saved_) == 0;
}

AffinityRestore::~AffinityRestore() {
  if (ok_) ::pthread_setaffinity_np(::pthread_self(), sizeof saved_, &saved_);
}

TwoCpus::TwoCpus(std::string& error) {
  if (!restore_.ok()) {
    error = "pthread_getaffinity_np failed";
    return;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) {
    error = fmt::format("sched_getaffinity: {}", std::strerror(errno));
    return;
  }
  int found[2] = {-1, -1};
  int n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; ++cpu) {
    if (CPU_ISSET(cpu, &set)) found[n++] = cpu;
  }
  if (n < 2) {
    error = "needs 2 CPUs in the affinity mask";
    return;
  }
  first_ = found[0];
  second_ = found[1];
  ok_ = true;
}

CrossCpuMeasurement measure_cross_cpu(unsigned rounds) {
  CrossCpuMeasurement m;
  const TwoCpus cpus(m.error);
  if (!cpus.ok()) return m;
  bool pinned = pin_thread_to(cpus.first());
  m.cpus = fmt::format("CPU {} -> CPU {}", cpus.first(), cpus.second());

  std::vector<double> pairs;
  pairs.reserve(rounds);
  for (unsigned i = 0; i < rounds; ++i) {
    const double a = now_ns();
    const double b = now_ns();
    pairs.push_back(b - a);
  }
  {
    Shared s;
    m.samples.futex_wakeup.reserve(rounds);
    futex_rounds(s, rounds, cpus.second(), m.samples.futex_wakeup, pinned);
  }
  {
    Shared s;
    m.samples.mutex_handoff.reserve(rounds);
    handoff_rounds(s, rounds, cpus.second(), m.samples.mutex_handoff, pinned);
  }
  if (!pinned) {
    m.error = fmt::format("could not pin the threads to {}", m.cpus);
    m.samples = {};
    return m;
  }
  // Each interval holds about one clock read (the end of the first, the start of the second).
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const double clock_read = pairs[i] / 2;
    m.samples.timer.push_back(clock_read);
    m.samples.futex_wakeup[i] -= clock_read;
    m.samples.mutex_handoff[i] -= clock_read;
  }
  return m;
}

CrossCpuFigures derive_cross_cpu(const CrossCpuSamples& samples) {
  return {summarize(samples.futex_wakeup), summarize(samples.mutex_handoff)};
}

}  // namespace pipe_bench
