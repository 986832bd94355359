// Where a woken task runs: on its previous CPU when that is idle, after the wake-up latency; with
// every CPU busy, queued on its previous CPU until the running task's slice ends, without the
// latency; and a CPU left idle pulls a task queued on another. Closed forms with a slice of 1 ms
// and a wake-up latency of 30 us.
#include <gtest/gtest.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "pipe_bench/sim/runqueue.hpp"
#include "sim_sched_support.hpp"

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

struct Woken {
  bool ok;
  double resumed_s;
  unsigned cpu;
  SchedStats stats;
};

void wake_up(Waiter& w) {
  w.woken = true;
  w.wake->release();
}

// A (CPU 0) sleeps at once; B (CPU 1) runs 0.1 ms, wakes A and runs `b_after_s` more; with
// `busy`, C (queued on CPU 0 until A sleeps) runs 5 ms. When and where A ran again.
Woken scenario(bool busy) {
  return sim_test::run_scenario<Woken>(2, 1e6, 30000,
                                       [busy](s4u::Host* host, Runqueue& rq, Woken& out) {
                                         auto* a = new Waiter;
                                         s4u::Actor::create("a", host, [&rq, &out, a] {
                                           rq.start(*a, 0);
                                           rq.block(*a);
                                           out.resumed_s = s4u::Engine::get_clock();
                                           out.cpu = a->cpu;
                                           out.stats = rq.stats();
                                           rq.sleep(*a);
                                         });
                                         s4u::Actor::create("b", host, [&rq, a] {
                                           Waiter self;
                                           rq.start(self, 1);
                                           rq.run(self, 0.1e6);
                                           wake_up(*a);
                                           rq.run(self, 4.9e6);
                                           rq.sleep(self);
                                         });
                                         if (busy) {
                                           s4u::Actor::create("c", host, [&rq] {
                                             Waiter self;
                                             rq.start(self, 0);
                                             rq.run(self, 5e6);
                                             rq.sleep(self);
                                           });
                                         }
                                       });
}

TEST(SimWakePlacement, AWakeUpOntoItsIdleCpuTakesTheLatency) {
  const Woken w = scenario(false);
  ASSERT_TRUE(w.ok);
  EXPECT_NEAR(w.resumed_s, 0.1e-3 + 30e-6, 1e-12);
  EXPECT_EQ(w.cpu, 0u);
  EXPECT_EQ(w.stats.wakeups_idle, 1u);
  EXPECT_EQ(w.stats.wakeups_queued, 0u);
}

TEST(SimWakePlacement, WithEveryCpuBusyTheWokenTaskWaitsForTheSliceEnd) {
  // C took CPU 0 at 0 when A slept; A, woken at 0.1 ms, is queued there until C's slice ends.
  const Woken w = scenario(true);
  ASSERT_TRUE(w.ok);
  EXPECT_NEAR(w.resumed_s, 1e-3, 1e-12);
  EXPECT_EQ(w.cpu, 0u);
  EXPECT_EQ(w.stats.wakeups_idle, 0u);
  EXPECT_EQ(w.stats.wakeups_queued, 1u);
  EXPECT_EQ(w.stats.preemptions, 1u);
}

struct Pulled {
  bool ok;
  double end_s;
  unsigned cpu;
  SchedStats stats;
};

TEST(SimWakePlacement, ANewlyIdleCpuPullsAQueuedTask) {
  // A runs 3 ms on CPU 0, C is queued behind it; B runs 0.2 ms on CPU 1 and exits, and CPU 1
  // pulls C, which runs its 0.5 ms there: it ends at 0.7 ms instead of after A's slice.
  const Pulled p =
      sim_test::run_scenario<Pulled>(2, 1e6, 30000, [](s4u::Host* host, Runqueue& rq, Pulled& out) {
        for (const double work_ns : {3e6, 0.2e6}) {
          s4u::Actor::create("busy", host, [&rq, work_ns] {
            Waiter self;
            rq.start(self, work_ns > 1e6 ? 0 : 1);
            rq.run(self, work_ns);
            rq.sleep(self);
          });
        }
        s4u::Actor::create("c", host, [&rq, &out] {
          Waiter self;
          rq.start(self, 0);
          rq.run(self, 0.5e6);
          out.end_s = s4u::Engine::get_clock();
          out.cpu = self.cpu;
          out.stats = rq.stats();
          rq.sleep(self);
        });
      });
  ASSERT_TRUE(p.ok);
  EXPECT_NEAR(p.end_s, 0.7e-3, 1e-12);
  EXPECT_EQ(p.cpu, 1u);
  EXPECT_EQ(p.stats.migrations, 1u);
  EXPECT_EQ(p.stats.preemptions, 0u);
}

}  // namespace
}  // namespace pipe_bench::sim
