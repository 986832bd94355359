#include "pipe_bench/sim/runqueue.hpp"

namespace pipe_bench::sim {

double Runqueue::wake() {
  const bool idle = runnable_ < cpus_;
  ++runnable_;
  // A spinner that must stop stays runnable until it goes to sleep on the mutex: each wake-up
  // that overcommits the CPUs stops one more, as each woken task needs one CPU.
  if (runnable_ > cpus_ && preempt_) (void)preempt_();
  return idle ? wakeup_s_ : 0;
}

}  // namespace pipe_bench::sim
