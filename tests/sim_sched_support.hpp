// Runs a scenario of simulated tasks on the simulation's scheduler (runqueue.hpp) in a forked
// child (SimGrid allows one engine per process) and hands back what it recorded.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <type_traits>
#include <vector>

#include "pipe_bench/sim/runqueue.hpp"

namespace sim_test {

// `Result` is plain data; `setup` creates the scenario's actors on `host` (one core per CPU, 1e9
// flops per second) using `runqueue`, and fills the result as they run. Returns the result, or a
// value-initialised one with `ok` false when the child failed.
template <typename Result>
Result run_scenario(
    unsigned cpus, double slice_ns, double wakeup_ns,
    const std::function<void(simgrid::s4u::Host*, pipe_bench::sim::Runqueue&, Result&)>& setup) {
  static_assert(std::is_trivially_copyable_v<Result>);
  Result out{};
  int fds[2];
  if (::pipe(fds) != 0) return out;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<const char*> args{"sim-test", "--log=root.thres:critical",
                                  "--cfg=surf/precision:1e-12"};
    int argc = static_cast<int>(args.size());
    simgrid::s4u::Engine engine(&argc, const_cast<char**>(args.data()));
    auto* zone = simgrid::s4u::create_full_zone("machine");
    simgrid::s4u::Host* host =
        zone->create_host("cpus", 1e9)->set_core_count(static_cast<int>(cpus));
    host->seal();
    zone->seal();
    pipe_bench::sim::Runqueue runqueue(cpus, wakeup_ns, {}, 1, slice_ns);
    Result result{};
    setup(host, runqueue, result);
    engine.run();
    result.ok = true;
    const bool sent = ::write(fds[1], &result, sizeof result) == sizeof result;
    ::_exit(sent ? 0 : 1);
  }
  ::close(fds[1]);
  const bool got = pid > 0 && ::read(fds[0], &out, sizeof out) == sizeof out;
  ::close(fds[0]);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) out = Result{};
  return out;
}

}  // namespace sim_test
