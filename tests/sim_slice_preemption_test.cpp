// Time slices: tasks that share a CPU take turns of one slice each, a task is preempted only at
// its slice's end and only when another task waits for its CPU, and a task alone on its CPU runs
// through its slices. Closed forms with a slice of 1 ms.
#include <gtest/gtest.h>

#include <initializer_list>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "pipe_bench/sim/runqueue.hpp"
#include "sim_sched_support.hpp"

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

struct Finish {
  bool ok;
  double end_s[3];
  SchedStats stats;
};

// `tasks` tasks on `cpus` CPUs, each running `work_s` of CPU from time 0; when each finished.
Finish run_tasks(unsigned cpus, unsigned tasks, double work_s) {
  return sim_test::run_scenario<Finish>(
      cpus, 1e6, 0, [&](s4u::Host* host, Runqueue& rq, Finish& out) {
        for (unsigned i = 0; i < tasks; ++i) {
          s4u::Actor::create("task", host, [&rq, &out, i, work_s] {
            Waiter self;
            rq.start(self, 0);
            rq.run(self, work_s * 1e9);
            out.end_s[i] = s4u::Engine::get_clock();
            out.stats = rq.stats();
            rq.sleep(self);
          });
        }
      });
}

// The run ended and task i finished at ends_s[i], after `preemptions` preemptions.
void expect_finish(const Finish& f, std::initializer_list<double> ends_s,
                   std::uint64_t preemptions) {
  ASSERT_TRUE(f.ok);
  unsigned i = 0;
  for (const double end : ends_s) EXPECT_NEAR(f.end_s[i++], end, 1e-9) << "task " << i - 1;
  EXPECT_EQ(f.stats.preemptions, preemptions);
}

TEST(SimSlicePreemption, TasksSharingACpuTakeTurnsOfOneSlice) {
  // 2.5 ms each on one CPU: A 0-1, B 1-2, A 2-3, B 3-4, A 4-4.5, B 4.5-5.
  expect_finish(run_tasks(1, 2, 2.5e-3), {4.5e-3, 5.0e-3}, 4);
}

TEST(SimSlicePreemption, ThreeTasksRoundRobin) {
  // 1.5 ms each: A 0-1, B 1-2, C 2-3, A 3-3.5, B 3.5-4, C 4-4.5.
  expect_finish(run_tasks(1, 3, 1.5e-3), {3.5e-3, 4.0e-3, 4.5e-3}, 3);
}

TEST(SimSlicePreemption, ATaskAloneOnItsCpuIsNeverPreempted) {
  // Two tasks on two CPUs (the second is placed on the idle one): both run 2.5 ms at once.
  expect_finish(run_tasks(2, 2, 2.5e-3), {2.5e-3, 2.5e-3}, 0);
}

TEST(SimSlicePreemption, TheKernelBaseSliceScalesWithTheLogOfTheCpus) {
  EXPECT_DOUBLE_EQ(kernel_base_slice_ns(1), 700000);
  EXPECT_DOUBLE_EQ(kernel_base_slice_ns(2), 1400000);
  EXPECT_DOUBLE_EQ(kernel_base_slice_ns(4), 2100000);
  EXPECT_DOUBLE_EQ(kernel_base_slice_ns(8), 2800000);
  EXPECT_DOUBLE_EQ(kernel_base_slice_ns(52), 2800000);  // the factor stops at 8 CPUs
}

}  // namespace
}  // namespace pipe_bench::sim
