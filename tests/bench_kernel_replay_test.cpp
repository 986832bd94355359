// The replay on kernel pipes allocates exactly the pages the legacy replay does for the same
// calls: one-to-one round trips, batched reads, a write larger than the pipe, a resized pipe
// (root with the kernel's tracepoints only; skipped otherwise, with the reason).
#include <gtest/gtest.h>

#include "bench_replay_support.hpp"
#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipe_bench/replay/kernel_replay.hpp"
#include "pipe_bench/replay/replayer.hpp"

namespace {

using namespace pipe_bench::replay;
using bench_test::add_batches;
using bench_test::add_call;

TEST(BenchKernelReplay, LegacyAllocatesWhatTheKernelAllocates) {
  Recording rec = bench_test::recording_with_pipe();
  add_batches(rec, 30, 1, 4096);
  add_batches(rec, 10, 8, 4096);
  add_call(rec, CallKind::write, 256 * 1024);
  for (int i = 0; i < 16; ++i) add_call(rec, CallKind::read, 16384);
  add_call(rec, CallKind::set_size, 1 << 20);
  for (int i = 0; i < 10; ++i) add_call(rec, CallKind::write, 65536);
  for (int i = 0; i < 10; ++i) add_call(rec, CallKind::read, 65536);
  add_call(rec, CallKind::release, 0);

  const KernelReplay kernel = replay_on_kernel(rec, pipe_bench::kernel_pages::kDefaultTracefs);
  if (!kernel.count.allocs)
    GTEST_SKIP() << "kernel page counters unavailable: " << kernel.count.unavailable;
  const ReplayOutcome legacy = replay(rec, pipepool::PolicyKind::legacy);
  ASSERT_EQ(legacy.error, "");
  EXPECT_EQ(legacy.counts.allocs, *kernel.count.allocs);
  EXPECT_EQ(legacy.counts.bytes_written, kernel.bytes_written);
}

}  // namespace
