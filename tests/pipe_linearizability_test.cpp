// Concurrent calls on real pp pipes are linearizable: short random histories of writes (up to
// a few rings' worth), reads, vmsplice into and out of the pipe, F_SETPIPE_SZ, FIONREAD, poll and
// closes from 2-4 threads, on non-blocking or blocking descriptors, some with a thread signalling
// the others and readiness descriptors taken, are recorded (fuzz/lin_recorder.hpp) and each must
// have an order, consistent with real time, in which the reference model gives every recorded
// result (fuzz/lin_checker.hpp). Every policy in both copy modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <random>
#include <string>

#include "lin_checker.hpp"
#include "lin_plan.hpp"
#include "lin_recorder.hpp"
#include "lin_report.hpp"

namespace pipepool::lin {
namespace {

// The workloads: `full` plans small pipes (4 KiB to 16 KiB) that fill, so writes get EAGAIN or
// short counts, and resizes that shrink (or fail with EBUSY) and grow them; `roomy` plans a 64
// KiB pipe and no more writes than its 16 slots hold, so no call ever finds it full; `blocking`
// plans blocking descriptors on pipes of 4 KiB to 16 KiB, writes of up to 64 KiB that wait for a
// reader or a resize (up to 1 MiB), and writers that write into each other's waits; `signals` is
// `blocking` with a thread signalling the others (handlers with and without SA_RESTART) and, in
// half the plans, pp_event_fd taken on both ends.
enum class Workload { full, roomy, blocking, signals };

struct Combo {
  pp_policy policy;
  pp_copy_mode copy;
  Workload workload;
  const char* name;
};

// Test names and failure messages show the combination's name, not its bytes.
void PrintTo(const Combo& c, std::ostream* os) {
  *os << c.name;
}

const Combo kCombos[] = {
    {PP_POLICY_LEGACY, PP_COPY_KERNEL, Workload::full, "legacy_kernel_full"},
    {PP_POLICY_LEGACY, PP_COPY_KERNEL, Workload::roomy, "legacy_kernel_roomy"},
    {PP_POLICY_LEGACY, PP_COPY_KERNEL, Workload::blocking, "legacy_kernel_blocking"},
    {PP_POLICY_LEGACY, PP_COPY_KERNEL, Workload::signals, "legacy_kernel_signals"},
    {PP_POLICY_LEGACY, PP_COPY_PARALLEL, Workload::full, "legacy_parallel_full"},
    {PP_POLICY_LEGACY, PP_COPY_PARALLEL, Workload::roomy, "legacy_parallel_roomy"},
    {PP_POLICY_LEGACY, PP_COPY_PARALLEL, Workload::blocking, "legacy_parallel_blocking"},
    {PP_POLICY_LEGACY, PP_COPY_PARALLEL, Workload::signals, "legacy_parallel_signals"},
    {PP_POLICY_PREALLOC, PP_COPY_KERNEL, Workload::full, "prealloc_kernel_full"},
    {PP_POLICY_PREALLOC, PP_COPY_KERNEL, Workload::roomy, "prealloc_kernel_roomy"},
    {PP_POLICY_PREALLOC, PP_COPY_KERNEL, Workload::blocking, "prealloc_kernel_blocking"},
    {PP_POLICY_PREALLOC, PP_COPY_KERNEL, Workload::signals, "prealloc_kernel_signals"},
    {PP_POLICY_PREALLOC, PP_COPY_PARALLEL, Workload::full, "prealloc_parallel_full"},
    {PP_POLICY_PREALLOC, PP_COPY_PARALLEL, Workload::roomy, "prealloc_parallel_roomy"},
    {PP_POLICY_PREALLOC, PP_COPY_PARALLEL, Workload::blocking, "prealloc_parallel_blocking"},
    {PP_POLICY_PREALLOC, PP_COPY_PARALLEL, Workload::signals, "prealloc_parallel_signals"},
    {PP_POLICY_UNIFIED, PP_COPY_KERNEL, Workload::full, "unified_kernel_full"},
    {PP_POLICY_UNIFIED, PP_COPY_KERNEL, Workload::roomy, "unified_kernel_roomy"},
    {PP_POLICY_UNIFIED, PP_COPY_KERNEL, Workload::blocking, "unified_kernel_blocking"},
    {PP_POLICY_UNIFIED, PP_COPY_KERNEL, Workload::signals, "unified_kernel_signals"},
    {PP_POLICY_UNIFIED, PP_COPY_PARALLEL, Workload::full, "unified_parallel_full"},
    {PP_POLICY_UNIFIED, PP_COPY_PARALLEL, Workload::roomy, "unified_parallel_roomy"},
    {PP_POLICY_UNIFIED, PP_COPY_PARALLEL, Workload::blocking, "unified_parallel_blocking"},
    {PP_POLICY_UNIFIED, PP_COPY_PARALLEL, Workload::signals, "unified_parallel_signals"},
    {PP_POLICY_SHRINKER, PP_COPY_KERNEL, Workload::full, "shrinker_kernel_full"},
    {PP_POLICY_SHRINKER, PP_COPY_KERNEL, Workload::roomy, "shrinker_kernel_roomy"},
    {PP_POLICY_SHRINKER, PP_COPY_KERNEL, Workload::blocking, "shrinker_kernel_blocking"},
    {PP_POLICY_SHRINKER, PP_COPY_KERNEL, Workload::signals, "shrinker_kernel_signals"},
    {PP_POLICY_SHRINKER, PP_COPY_PARALLEL, Workload::full, "shrinker_parallel_full"},
    {PP_POLICY_SHRINKER, PP_COPY_PARALLEL, Workload::roomy, "shrinker_parallel_roomy"},
    {PP_POLICY_SHRINKER, PP_COPY_PARALLEL, Workload::blocking, "shrinker_parallel_blocking"},
    {PP_POLICY_SHRINKER, PP_COPY_PARALLEL, Workload::signals, "shrinker_parallel_signals"},
};

PlanLimits limits(Workload w) {
  PlanLimits l;
  switch (w) {
    case Workload::full:
      l.resize_percent = 4;
      l.max_resize = 65536;
      l.big_write_percent = 10;
      l.max_big_write = 32768;
      break;
    case Workload::roomy:
      l.min_pipe_size = l.max_pipe_size = 65536;
      l.max_write_slots = 16;
      break;
    case Workload::blocking:
    case Workload::signals:
      l.max_threads = 4;
      l.min_calls = 3;
      l.max_calls = 6;
      l.blocking_percent = 100;
      l.resize_percent = 12;
      l.big_write_percent = 50;
      l.max_big_write = 65536;
      l.vmsplice_percent = 5;
      if (w == Workload::signals) {
        l.signal_percent = 100;
        l.event_fd_percent = 50;
      }
      break;
  }
  return l;
}

PlanLimits limits(const Combo& c) {
  return limits(c.workload);
}

// Histories per combination: $PIPEPOOL_LIN_HISTORIES, else fewer under the sanitizers (each
// history starts threads, and the sanitizers make that several times slower).
std::size_t histories(Workload w) {
  if (const char* v = std::getenv("PIPEPOOL_LIN_HISTORIES"); v != nullptr && *v != '\0') {
    return std::strtoul(v, nullptr, 10);
  }
  (void)w;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  return 60;
#else
  return 400;
#endif
}

// The seed of history `i` of a combination: $PIPEPOOL_LIN_SEED replays one history alone.
std::uint64_t seed_of(const Combo& c, std::size_t i) {
  return 0x5eed0000u + static_cast<unsigned>(c.policy) * 64 + static_cast<unsigned>(c.copy) * 8 +
         static_cast<unsigned>(c.workload) + (std::uint64_t{i} << 32);
}

struct Tally {
  std::size_t ops = 0;
  std::size_t min_ops = static_cast<std::size_t>(-1);
  std::size_t max_ops = 0;
  std::size_t reads_with_data = 0;
  std::size_t eagain = 0;
  std::size_t short_writes = 0;
  std::size_t eof = 0;
  std::size_t epipe = 0;
  std::size_t overlapping = 0;    // calls that overlap a call of another thread
  std::size_t vmspliced_in = 0;   // vmsplice calls that put bytes into the pipe
  std::size_t vmspliced_out = 0;  // vmsplice calls that took bytes out of it
  std::size_t resized = 0;        // F_SETPIPE_SZ calls that succeeded
  std::size_t ebusy = 0;          // ... refused because the pipe held more slots
  std::size_t big_writes = 0;     // writes of several pages that stored bytes
  std::size_t split_writes = 0;   // blocking writes that stored more than the pipe held at first
  std::size_t eintr = 0;          // calls interrupted with nothing moved
  std::size_t signals = 0;        // handlers that ran inside a blocking call

  void add(const History& h) {
    for (const Operation& a : h.ops) {
      for (const Operation& b : h.ops) {
        if (a.thread != b.thread && a.invoke < b.ret && b.invoke < a.ret) {
          ++overlapping;
          break;
        }
      }
    }
    ops += h.ops.size();
    min_ops = std::min(min_ops, h.ops.size());
    max_ops = std::max(max_ops, h.ops.size());
    for (const Operation& op : h.ops) {
      if (op.error == EAGAIN) ++eagain;
      if (op.error == EPIPE) ++epipe;
      if (op.kind == OpKind::read && op.result > 0) ++reads_with_data;
      if (op.kind == OpKind::read && op.result == 0) ++eof;
      if (op.kind == OpKind::vmsplice_in && op.result > 0) ++vmspliced_in;
      if (op.kind == OpKind::vmsplice_out && op.result > 0) ++vmspliced_out;
      if (op.kind == OpKind::write && op.result > 0 &&
          static_cast<std::size_t>(op.result) < op.len) {
        ++short_writes;
      }
      if (op.kind == OpKind::resize && op.result > 0) ++resized;
      if (op.error == EBUSY) ++ebusy;
      if (op.kind == OpKind::write && op.result > 4096 && op.len > 4096) ++big_writes;
      if (op.kind == OpKind::write && op.blocking && op.result > 0 &&
          static_cast<std::size_t>(op.result) > h.pipe_size) {
        ++split_writes;
      }
      if (op.error == EINTR) ++eintr;
      if (op.kind == OpKind::signal) ++signals;
    }
  }
};

class PipeLinearizability : public testing::TestWithParam<Combo> {};

TEST_P(PipeLinearizability, RecordedHistoriesAreLinearizable) {
  const Combo& combo = GetParam();
  pp_options opts{};
  opts.policy = combo.policy;
  opts.copy = combo.copy;
  opts.allocator = PP_ALLOCATOR_OS;
  const PlanLimits plan_limits = limits(combo);
  std::size_t first = 0;
  std::size_t n = histories(combo.workload);
  if (const char* v = std::getenv("PIPEPOOL_LIN_SEED"); v != nullptr && *v != '\0') {
    first = static_cast<std::size_t>(std::strtoull(v, nullptr, 0) >> 32);
    n = 1;
  }
  Tally tally;
  for (std::size_t i = first; i < first + n; ++i) {
    std::mt19937_64 rng(seed_of(combo, i));
    const Plan plan = random_plan(rng, plan_limits);
    const Recording rec = record(plan, opts);
    ASSERT_TRUE(rec.error.empty()) << rec.error;
    const CheckResult r = check(rec.history);
    ASSERT_TRUE(r.linearizable) << "history " << i << " of " << combo.name << " (seed 0x"
                                << std::hex << seed_of(combo, i) << std::dec
                                << ", PIPEPOOL_LIN_SEED replays its plan):\n"
                                << failure_report(rec.history, r);
    tally.add(rec.history);
  }
  std::printf(
      "%s: %zu histories checked, %zu-%zu calls each (%zu in all); %zu reads with data, %zu "
      "EAGAIN, %zu short writes, %zu EOF reads, %zu EPIPE writes, %zu vmsplice in and %zu out "
      "with data, %zu resizes (%zu EBUSY), %zu multi-page writes (%zu blocking ones past the "
      "first ring), %zu handlers in blocking calls, %zu EINTR; %zu calls overlap another "
      "thread's\n",
      combo.name, n, tally.min_ops, tally.max_ops, tally.ops, tally.reads_with_data, tally.eagain,
      tally.short_writes, tally.eof, tally.epipe, tally.vmspliced_in, tally.vmspliced_out,
      tally.resized, tally.ebusy, tally.big_writes, tally.split_writes, tally.signals, tally.eintr,
      tally.overlapping);
  RecordProperty("histories", static_cast<int>(n));
  RecordProperty("calls_per_history",
                 std::to_string(tally.min_ops) + "-" + std::to_string(tally.max_ops));
  // The histories exercised the pipe: data moved, vmsplice included, and non-blocking calls
  // found it empty or full.
  if (n >= 20) {
    EXPECT_GT(tally.reads_with_data, 0u);
    if (combo.workload == Workload::full || combo.workload == Workload::roomy) {
      EXPECT_GT(tally.eagain, 0u);
      EXPECT_GT(tally.vmspliced_in, 0u);
      EXPECT_GT(tally.vmspliced_out, 0u);
    }
    if (combo.workload != Workload::roomy) {
      EXPECT_GT(tally.resized, 0u);
      EXPECT_GT(tally.big_writes, 0u);
    }
    if (combo.workload == Workload::blocking || combo.workload == Workload::signals) {
      EXPECT_GT(tally.split_writes, 0u);
    }
    if (combo.workload == Workload::signals) {
      EXPECT_GT(tally.signals, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Combos, PipeLinearizability, testing::ValuesIn(kCombos),
                         [](const testing::TestParamInfo<Combo>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace pipepool::lin
