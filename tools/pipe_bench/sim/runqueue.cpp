#include "pipe_bench/sim/runqueue.hpp"

#include <algorithm>

namespace pipe_bench::sim {

double Runqueue::wake() {
  const bool idle = runnable_ < cpus_;
  ++runnable_;
  // A spinner that must stop stays runnable until it goes to sleep on the mutex: each wake-up
  // that overcommits the CPUs stops one more, as each woken task needs one CPU.
  if (runnable_ > cpus_ && preempt_) (void)preempt_();
  return idle ? latency_s() : 0;
}

double Runqueue::latency_s() {
  if (quantiles_ns_.size() < 2 || wakeup_s_ <= 0) return wakeup_s_;
  const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
  const double pos = u * static_cast<double>(quantiles_ns_.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), quantiles_ns_.size() - 2);
  const double frac = pos - static_cast<double>(i);
  return (quantiles_ns_[i] + frac * (quantiles_ns_[i + 1] - quantiles_ns_[i])) * 1e-9;
}

}  // namespace pipe_bench::sim
