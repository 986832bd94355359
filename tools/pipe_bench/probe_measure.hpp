// The probe's measurement: one thread times individual system calls on a real pipe2() pipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pipe_bench/probe_derive.hpp"

namespace pipe_bench {

inline constexpr unsigned kProbeDefaultSamples = 10000;
inline constexpr unsigned kProbeMinSamples = 10;
inline constexpr unsigned kProbeMaxSamples = 100000;

struct ProbeOptions {
  unsigned samples = kProbeDefaultSamples;   // measured rounds
  unsigned warmup = 0;                       // rounds run first and dropped; 0: samples / 10
  std::vector<unsigned> pages{1, 2, 8, 16};  // write/read sizes; 1, 2 and >= 1 count > 2
  bool pin = true;                           // pin to the current CPU while measuring
  std::uint64_t seed = 1;                    // the per-round order's shuffle
  unsigned cross_cpu_rounds = 2000;          // rounds of each two-CPU figure (probe_cross_cpu.hpp)
};

struct Measurement {
  ProbeSamples samples;
  std::string pinning;         // "CPU 1", or "not pinned: <why>"
  std::size_t pipe_bytes = 0;  // the pipe's size after F_SETPIPE_SZ
  unsigned warmup = 0;         // warm-up rounds run
  std::string error;           // empty on success; else one line, and `samples` is partial
};

// One pipe2(O_NONBLOCK) pipe sized for the largest count, its two spare pages filled by a
// 2-page write and read. Each round runs, in an order shuffled per round (so drift and cache
// effects hit every variant alike): two clock reads alone, getppid(), write(fd, buf, 0), and for
// each count k a write of k pages then the read that drains them, each call timed on its own
// with CLOCK_MONOTONIC. The pipe is drained with both spares filled at the end of every variant,
// which is the state the model in probe_derive.hpp assumes. The buffers are touched first, so no
// page fault lands inside a timed call. With `pin`, the thread is pinned to the CPU it runs on
// and its affinity restored at the end.
[[nodiscard]] Measurement measure_pipe_costs(const ProbeOptions& options);

// The same rounds with the writes on the first CPU of the caller's affinity mask and every read on
// a second thread pinned to the second CPU (the writer spins while the read runs, so both CPUs
// stay busy): the reads copy pages the other CPU just wrote and free pages the other CPU
// allocated; the writes allocate on a CPU whose frees happen elsewhere and fill the spare pages
// the other CPU read last. `options.pin` is ignored. Fails (error set, no samples) with fewer
// than 2 CPUs allowed or when pinning fails.
[[nodiscard]] Measurement measure_pipe_costs_across_cpus(const ProbeOptions& options);

}  // namespace pipe_bench
