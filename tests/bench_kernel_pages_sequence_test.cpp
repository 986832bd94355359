// The legacy policy against the kernel on the same sequence of calls, made by one thread so the
// order is fixed: a kernel pipe counted on its tracepoints, a pipepool legacy pipe (kernel copy
// mode) counted by its pool, both 1 MiB. Every sequence allocates the same pages, and frees them:
// tmp_page[2] refilled by reads, merging of short writes into the last page, partial reads.
// Root with tracepoints only (skipped otherwise).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipe_bench/kernel_pages/kernel_counters.hpp"
#include "pipepool/pipe.hpp"

namespace {

using pipe_bench::kernel_pages::open_kernel_page_counters;
using pipe_bench::kernel_pages::PageCounts;

constexpr std::size_t kPipeSize = 1 << 20;

// A call sequence: w(n) writes n bytes, r(n) reads up to n bytes; it ends with the pipe empty.
struct Calls {
  std::function<void(std::size_t)> w;
  std::function<void(std::size_t)> r;
};
using Sequence = std::function<void(Calls&)>;

// The buffer lives outside the counted window: unmapping it frees page-table pages, which the
// order-0 free counter would count.
std::optional<PageCounts> on_kernel(const Sequence& sequence, std::vector<char>& buf,
                                    std::string& unavailable) {
  auto opened = open_kernel_page_counters();
  if (!opened.counters) {
    unavailable = opened.unavailable;
    return std::nullopt;
  }
  int fds[2];
  if (::pipe(fds) != 0 || ::fcntl(fds[1], F_SETPIPE_SZ, kPipeSize) < 0) std::abort();
  Calls calls{[&](std::size_t n) { ASSERT_EQ(::write(fds[1], buf.data(), n), ssize_t(n)); },
              [&](std::size_t n) { ASSERT_GT(::read(fds[0], buf.data(), n), 0); }};
  sequence(calls);
  ::close(fds[0]);
  ::close(fds[1]);
  std::string error;
  const PageCounts counts = opened.counters->stop(error);
  EXPECT_EQ(error, "");
  return counts;
}

// Frees include the pages the pool still keeps, which the pipe frees when it is destroyed.
PageCounts on_legacy(const Sequence& sequence) {
  pipepool::PipeOptions options;
  options.policy = pipepool::PolicyKind::legacy;
  options.copy = pipepool::CopyMode::kernel;
  options.allocator.kind = pipepool::AllocatorKind::heap;
  auto pipe = pipepool::make_pipe(options);
  EXPECT_TRUE(pipe.ok());
  EXPECT_TRUE(pipe.writer.set_pipe_size(kPipeSize).ok());
  std::vector<std::byte> buf(kPipeSize);
  Calls calls{[&](std::size_t n) {
                ASSERT_EQ(pipe.writer.write({buf.data(), n}).count, n);
              },
              [&](std::size_t n) {
                ASSERT_GT(pipe.reader.read({buf.data(), n}).count, 0u);
              }};
  sequence(calls);
  const pipepool::PoolStats s = pipe.writer.stats().pool;
  return {s.allocs_in_lock + s.allocs_outside_lock,
          s.frees_in_lock + s.frees_outside_lock + s.pool_size};
}

void repeat(int n, const std::function<void()>& f) {
  for (int i = 0; i < n; ++i) f();
}

TEST(BenchKernelPagesSequence, LegacyAllocatesAndFreesWhatTheKernelDoes) {
  const std::vector<std::pair<std::string, Sequence>> sequences = {
      {"100 x (w 64K, r 64K)",
       [](Calls& c) {
         repeat(100, [&] {
           c.w(65536);
           c.r(65536);
         });
       }},
      {"50 x (2 w 64K, 2 r 64K)",
       [](Calls& c) {
         repeat(50, [&] {
           c.w(65536);
           c.w(65536);
           c.r(65536);
           c.r(65536);
         });
       }},
      {"10 x (16 w 64K, 16 r 64K)",
       [](Calls& c) {
         repeat(10, [&] {
           repeat(16, [&] { c.w(65536); });
           repeat(16, [&] { c.r(65536); });
         });
       }},
      {"15 w 64K, 100 x (w 64K, r 64K), 15 r 64K",
       [](Calls& c) {
         repeat(15, [&] { c.w(65536); });
         repeat(100, [&] {
           c.w(65536);
           c.r(65536);
         });
         repeat(15, [&] { c.r(65536); });
       }},
      {"1000 x (w 64, r 64)",
       [](Calls& c) {
         repeat(1000, [&] {
           c.w(64);
           c.r(64);
         });
       }},
      {"100 x (100 w 64, r 64K)",
       [](Calls& c) {
         repeat(100, [&] {
           repeat(100, [&] { c.w(64); });
           c.r(65536);
         });
       }},
      {"100 x (10 w 512, r 1000, r 64K)",
       [](Calls& c) {
         repeat(100, [&] {
           repeat(10, [&] { c.w(512); });
           c.r(1000);
           c.r(65536);
         });
       }},
      {"100 x (3 w 4096, r 1000, r 64K)",
       [](Calls& c) {
         repeat(100, [&] {
           c.w(4096);
           c.w(4096);
           c.w(4096);
           c.r(1000);
           c.r(65536);
         });
       }},
      {"100 x (w 5000, w 3000, r 64K)",
       [](Calls& c) {
         repeat(100, [&] {
           c.w(5000);
           c.w(3000);
           c.r(65536);
         });
       }},
  };
  std::vector<char> buf(kPipeSize, 'x');
  for (const auto& [name, sequence] : sequences) {
    std::string unavailable;
    const auto kernel = on_kernel(sequence, buf, unavailable);
    if (!kernel) GTEST_SKIP() << "kernel page counters unavailable: " << unavailable;
    const PageCounts legacy = on_legacy(sequence);
    EXPECT_EQ(legacy.allocs, kernel->allocs) << name;
    // The kernel's free counter may also see a few order-0 frees in process context that are
    // not the pipe's: never fewer.
    EXPECT_GE(kernel->frees, legacy.frees) << name;
    EXPECT_LE(kernel->frees, legacy.frees + 8) << name;
    EXPECT_GT(kernel->allocs, 0u) << name;
  }
}

}  // namespace
