// Helpers for the simulation's tests: the workloads they simulate and what a run gives.
#pragma once

#include <string>

#include "pipe_bench/sim/simulation.hpp"

namespace sim_test {

// Costs of which only `field` is not zero: `ns` each, named `source`.
inline pipe_bench::sim::SimCosts only_cost(double pipe_bench::sim::SimCosts::*field, double ns,
                                           const std::string& source) {
  pipe_bench::sim::SimCosts costs;
  costs.*field = ns;
  costs.source = source;
  return costs;
}

// What a simulated run varies; the rest (message and pipe size, seed) is SimConfig's.
struct Setup {
  pipepool::PolicyKind policy;
  pipe_bench::sim::LockModel lock;
  unsigned cpus;
  unsigned actors;    // writers, and as many readers
  double duration_s;  // virtual
};

inline pipe_bench::sim::SimConfig config(const Setup& setup,
                                         const pipe_bench::sim::SimCosts& costs) {
  pipe_bench::sim::SimConfig c;
  c.policy = setup.policy;
  c.lock_model = setup.lock;
  c.cpus = setup.cpus;
  c.writers = setup.actors;
  c.readers = setup.actors;
  c.duration_s = setup.duration_s;
  c.costs = costs;
  return c;
}

// Writes per virtual second.
inline double writes_per_s(const pipe_bench::sim::SimOutcome& out) {
  return static_cast<double>(out.writes) / out.elapsed_s;
}

}  // namespace sim_test
