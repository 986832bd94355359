// One uncontended 64 KiB write followed by the 64 KiB read that drains it, in one thread, on a
// pipepool pipe of each policy (os allocator) and on a kernel pipe for reference. The pipe has
// its default 64 KiB, so each write fills all 16 slots.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <span>
#include <vector>

#include "pipepool/pipe.hpp"

namespace {

constexpr std::size_t kMsg = 64 * 1024;

void BM_Pipe64KWriteRead(benchmark::State& state, pipepool::PolicyKind kind) {
  pipepool::PipeOptions options;
  options.policy = kind;
  auto pair = pipepool::make_pipe(options);
  if (!pair.ok()) {
    state.SkipWithError("make_pipe failed (policy not built?)");
    return;
  }
  std::vector<std::byte> in(kMsg, std::byte{0x5a}), out(kMsg);
  for (auto _ : state) {
    const auto w = pair.writer.write(in);
    const auto r = pair.reader.read(out);
    if (w.count != kMsg || r.count != kMsg) {
      state.SkipWithError("short write or read");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMsg));
}

void BM_Pipe64KWriteRead_kernel(benchmark::State& state) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    state.SkipWithError("pipe2 failed");
    return;
  }
  std::vector<std::byte> in(kMsg, std::byte{0x5a}), out(kMsg);
  for (auto _ : state) {
    std::size_t done = 0;
    while (done < kMsg) {
      const ssize_t n = ::write(fds[1], in.data() + done, kMsg - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    std::size_t got = 0;
    while (got < done) {
      const ssize_t n = ::read(fds[0], out.data() + got, done - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (done != kMsg || got != kMsg) {
      state.SkipWithError("short write or read");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  ::close(fds[0]);
  ::close(fds[1]);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMsg));
}

BENCHMARK_CAPTURE(BM_Pipe64KWriteRead, legacy, pipepool::PolicyKind::legacy);
BENCHMARK_CAPTURE(BM_Pipe64KWriteRead, prealloc, pipepool::PolicyKind::prealloc);
BENCHMARK_CAPTURE(BM_Pipe64KWriteRead, unified, pipepool::PolicyKind::unified);
BENCHMARK_CAPTURE(BM_Pipe64KWriteRead, shrinker, pipepool::PolicyKind::shrinker);
BENCHMARK(BM_Pipe64KWriteRead_kernel);

}  // namespace
