// Building recordings by hand for the replay tests, and writing them to files.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "bench_test_support.hpp"
#include "pipe_bench/replay/recording.hpp"
#include "pipe_bench/replay/recording_file.hpp"

namespace bench_test {

// Appends a call on `pipe` that asked for and moved `n` bytes.
inline void add_call(pipe_bench::replay::Recording& rec, pipe_bench::replay::CallKind kind,
                     std::uint64_t n, std::uint64_t pipe = 1) {
  pipe_bench::replay::PipeCall c;
  c.pipe = pipe;
  c.kind = kind;
  c.requested = n;
  c.result = static_cast<std::int64_t>(n);
  rec.calls.push_back(c);
}

// Appends, `rounds` times, `writes` writes of `n` bytes and one read of all of them.
inline void add_batches(pipe_bench::replay::Recording& rec, int rounds, int writes,
                        std::uint64_t n) {
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < writes; ++i) add_call(rec, pipe_bench::replay::CallKind::write, n);
    add_call(rec, pipe_bench::replay::CallKind::read, static_cast<std::uint64_t>(writes) * n);
  }
}

// A recording whose first call creates pipe 1.
inline pipe_bench::replay::Recording recording_with_pipe() {
  pipe_bench::replay::Recording rec;
  add_call(rec, pipe_bench::replay::CallKind::create, 0);
  return rec;
}

// A recording of the command "test", whose kernel allocated and freed `kernel_pages` pages and
// whose first call creates pipe 1.
inline pipe_bench::replay::Recording test_recording(std::uint64_t kernel_pages) {
  pipe_bench::replay::Recording rec = recording_with_pipe();
  rec.command = "test";
  rec.kernel.allocs = kernel_pages;
  rec.kernel.frees = kernel_pages;
  return rec;
}

// Writes `rec` to the file `name` in a fresh temporary directory; returns its path.
inline std::string write_temp_recording(const std::string& name,
                                        const pipe_bench::replay::Recording& rec) {
  const std::string path = temp_path(name);
  std::ofstream f(path);
  pipe_bench::replay::write_recording(f, rec);
  return path;
}

}  // namespace bench_test
