// Building recordings by hand for the replay tests.
#pragma once

#include <cstdint>

#include "pipe_bench/replay/recording.hpp"

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

}  // namespace bench_test
