// Synthetic probe samples with known per-call costs, for the probe's derivation tests.
#pragma once

#include <sched.h>

#include <algorithm>
#include <random>

#include "pipe_bench/probe_derive.hpp"

namespace bench_test {

// CPUs in the calling thread's affinity mask (0 when it cannot be read).
inline int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

// Runs `f` with the calling thread pinned to the CPU it is on, and restores its affinity.
template <typename F>
auto on_one_cpu(F f) {
  cpu_set_t old;
  CPU_ZERO(&old);
  (void)::sched_getaffinity(0, sizeof old, &old);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  (void)::sched_setaffinity(0, sizeof one, &one);
  auto result = f();
  (void)::sched_setaffinity(0, sizeof old, &old);
  return result;
}

// Costs in ns that the synthetic calls are made of (see probe_derive.hpp's model).
struct ProbeCosts {
  double timer = 20;
  double syscall = 100;  // null write, beyond the timer
  double getppid = 80;
  double call = 300;    // fixed part of a 1..k page write or read, beyond the syscall
  double copy = 150;    // per page, write and read alike
  double alloc = 200;   // per allocated page (k - 2 of a k-page write)
  double free = 120;    // per freed page
  double noise_sd = 5;  // Gaussian noise on every sample
};

// `rounds` rounds of the variants 1, 2 and `large` pages. `alloc_for(k, round)` may override the
// per-page allocation cost of one write (for stall tests); by default it is `c.alloc`.
template <typename AllocFor>
pipe_bench::ProbeSamples make_probe_samples(const ProbeCosts& c, std::size_t rounds,
                                            const std::vector<unsigned>& large, AllocFor alloc_for,
                                            std::uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, c.noise_sd);
  auto n = [&] { return c.noise_sd > 0 ? noise(rng) : 0.0; };
  pipe_bench::ProbeSamples s;
  std::vector<unsigned> pages{1, 2};
  pages.insert(pages.end(), large.begin(), large.end());
  for (std::size_t r = 0; r < rounds; ++r) {
    s.timer.push_back(c.timer + n());
    s.write0.push_back(c.timer + c.syscall + n());
    s.getppid.push_back(c.timer + c.getppid + n());
    for (const unsigned k : pages) {
      const double extra = k > 2 ? static_cast<double>(k - 2) : 0.0;
      const double base = c.timer + c.syscall + c.call + k * c.copy;
      s.write[k].push_back(base + extra * alloc_for(k, r) + n());
      s.read[k].push_back(base + extra * c.free + n());
    }
  }
  return s;
}

inline pipe_bench::ProbeSamples make_probe_samples(const ProbeCosts& c, std::size_t rounds,
                                                   const std::vector<unsigned>& large = {8, 16}) {
  return make_probe_samples(c, rounds, large, [&](unsigned, std::size_t) { return c.alloc; });
}

}  // namespace bench_test
