// A task preempted at its slice's end while it holds the pipe mutex keeps the mutex: its hold
// includes the time it spends off its CPU, and kernel-model spinners stop spinning on it (the
// owner is not running). Closed forms with a slice of 1 ms.
#include <gtest/gtest.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "pipe_bench/sim/runqueue.hpp"
#include "pipe_bench/sim/sync.hpp"
#include "sim_sched_support.hpp"

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

struct Held {
  bool ok;
  std::uint64_t hold_ns;
  std::uint64_t acquisitions;
  SpinStats spin;
};

// A task on `cpu` that takes `mutex`, runs `hold_ns` under it and unlocks; when `out` is given,
// the mutex's counters once it unlocked.
void spawn_holder(s4u::Host* host, Runqueue& rq, PipeMutex* mutex, unsigned cpu, double start_ns,
                  double hold_ns, Held* out) {
  s4u::Actor::create("holder", host, [&rq, mutex, cpu, start_ns, hold_ns, out] {
    Waiter self;
    rq.start(self, cpu);
    if (start_ns > 0) rq.run(self, start_ns);
    mutex->lock(self);
    if (hold_ns > 0) rq.run(self, hold_ns);
    mutex->unlock();
    if (out != nullptr) {
      out->hold_ns = mutex->stats().hold_ns;
      out->acquisitions = mutex->stats().acquisitions;
      out->spin = mutex->spin_stats();
    }
    rq.sleep(self);
  });
}

// A task on `cpu` that runs `ns` and exits.
void spawn_worker(s4u::Host* host, Runqueue& rq, unsigned cpu, double ns) {
  s4u::Actor::create("other", host, [&rq, cpu, ns] {
    Waiter self;
    rq.start(self, cpu);
    rq.run(self, ns);
    rq.sleep(self);
  });
}

TEST(SimHolderPreempted, TheHoldIncludesTheTimeOffTheCpu) {
  // One CPU: A takes the mutex and runs 1.5 ms under it; B, queued, runs 0.5 ms. A is preempted
  // at 1 ms holding the mutex, B runs 1-1.5 ms and exits, A runs again and unlocks at 2 ms.
  const Held h =
      sim_test::run_scenario<Held>(1, 1e6, 0, [](s4u::Host* host, Runqueue& rq, Held& out) {
        auto* mutex = new PipeMutex(rq, LockModel::kernel, 0, 0);
        spawn_holder(host, rq, mutex, 0, 0, 1.5e6, &out);
        spawn_worker(host, rq, 0, 0.5e6);
      });
  ASSERT_TRUE(h.ok);
  EXPECT_EQ(h.hold_ns, 2000000u);
  EXPECT_EQ(h.spin.holder_preemptions, 1u);
  EXPECT_NEAR(h.spin.hold_off_cpu_s, 0.5e-3, 1e-12);
}

TEST(SimHolderPreempted, KernelSpinnersStopWhenTheOwnerIsPreempted) {
  // Two CPUs: A (CPU 0) takes the mutex and runs 1.5 ms under it; C, queued on CPU 0, runs 0.5
  // ms; B (CPU 1) asks for the mutex at 0.1 ms and spins while A runs. At 1 ms A is preempted:
  // B stops spinning and sleeps, and its CPU, idle, pulls A, which unlocks at 1.5 ms and wakes B.
  const Held h =
      sim_test::run_scenario<Held>(2, 1e6, 0, [](s4u::Host* host, Runqueue& rq, Held& out) {
        auto* mutex = new PipeMutex(rq, LockModel::kernel, 0, 0);
        spawn_holder(host, rq, mutex, 0, 0, 1.5e6, nullptr);
        spawn_holder(host, rq, mutex, 1, 0.1e6, 0, &out);
        spawn_worker(host, rq, 0, 0.5e6);
      });
  ASSERT_TRUE(h.ok);
  EXPECT_EQ(h.acquisitions, 2u);
  EXPECT_EQ(h.spin.spins, 1u);
  EXPECT_EQ(h.spin.spin_acquisitions, 0u);
  EXPECT_EQ(h.spin.sleeps, 1u);
  EXPECT_NEAR(h.spin.spin_s, 0.9e-3, 1e-12);
  EXPECT_EQ(h.spin.holder_preemptions, 1u);
  // A ran again at once on the CPU B left: 1.5 ms of hold, none of it off the CPU.
  EXPECT_NEAR(h.spin.hold_off_cpu_s, 0, 1e-12);
  EXPECT_EQ(h.hold_ns, 1500000u);
}

}  // namespace
}  // namespace pipe_bench::sim
