#include "pipe_bench/sim/simulation.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <vector>

#include "pipe_bench/sim/sim_pipe.hpp"
#include "pipe_bench/sim/virtual_allocator.hpp"

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

// Host speed: one flop per ns, so execute(ns) takes ns of a core.
constexpr double kFlopsPerSecond = 1e9;

void set_error(SimOutcome& out, const char* what) {
  std::snprintf(out.error, sizeof out.error, "%s", what);
  out.ok = false;
}

}  // namespace

SimOutcome simulate_here(const SimConfig& config) {
  SimOutcome out;
  const auto wall0 = std::chrono::steady_clock::now();
  // Quiet engine; SimGrid's timing precision (1 ns by default) is made finer than the smallest
  // cost charged.
  std::vector<const char*> args{"pipe_bench-sim", "--log=root.thres:critical",
                                "--cfg=surf/precision:1e-12"};
  int argc = static_cast<int>(args.size());
  s4u::Engine engine(&argc, const_cast<char**>(args.data()));
  auto* zone = s4u::create_full_zone("machine");
  s4u::Host* host =
      zone->create_host("cpus", kFlopsPerSecond)->set_core_count(static_cast<int>(config.cpus));
  host->seal();
  zone->seal();

  auto allocator = std::make_shared<VirtualTimeAllocator>(
      config.costs, config.page_model, config.cpus, config.seed ^ 0x5851f42d4c957f2dULL);
  std::unique_ptr<pipepool::PagePool> pool =
      pipepool::make_pool(config.policy, allocator, config.pool_sizes);
  if (!pool) {
    set_error(out, "no such policy, or invalid pool sizes");
    return out;
  }
  // The wake-up latency belongs to the lock models that sleep with futexes; its draws have a
  // generator of their own, so that they do not move the actors' start offsets.
  const bool wakeups_cost = config.lock_model != LockModel::fifo;
  Runqueue runqueue(config.cpus, wakeups_cost ? config.costs.wakeup_ns : 0,
                    config.costs.wakeup_quantiles_ns, config.seed ^ 0x9e3779b97f4a7c15ULL,
                    config.slice_ns);
  SimPipe pipe(*pool, *allocator, config.costs, runqueue, config.lock_model, config.page_model,
               config.pipe_size, config.writers, config.readers);

  std::mt19937_64 rng(config.seed);
  std::uniform_real_distribution<double> offset_s(0, 1e-6);
  const double stop_at = config.duration_s;
  std::vector<Histogram> latency(config.writers);
  std::vector<std::uint64_t> writes(config.writers, 0);
  std::vector<std::uint64_t> written(config.writers, 0);
  std::vector<std::uint64_t> read(config.readers, 0);
  double last_stop = 0;
  bool failed = false;

  for (unsigned i = 0; i < config.readers; ++i) {
    const double start = offset_s(rng);
    s4u::Actor::create("reader", host, [&, i, start] {
      Waiter self;
      s4u::this_actor::sleep_for(start);
      runqueue.start(self, reader_cpu(i, config.writers, config.cpus));
      for (;;) {
        const std::size_t n = pipe.read(self, config.msg_size);
        if (n == 0) break;
        read[i] += n;
      }
      pipe.close_reader(self);
      runqueue.sleep(self);
    });
  }
  for (unsigned i = 0; i < config.writers; ++i) {
    const double start = offset_s(rng);
    s4u::Actor::create("writer", host, [&, i, start] {
      Waiter self;
      s4u::this_actor::sleep_for(start);
      runqueue.start(self, writer_cpu(i, config.cpus));
      while (s4u::Engine::get_clock() < stop_at) {
        const double t0 = s4u::Engine::get_clock();
        std::size_t done = 0;
        while (done < config.msg_size) {
          const std::size_t n = pipe.write(self, config.msg_size - done);
          if (n == 0) break;
          done += n;
        }
        if (done < config.msg_size) {
          failed = true;
          break;
        }
        latency[i].record(
            static_cast<std::uint64_t>(std::llround((s4u::Engine::get_clock() - t0) * 1e9)));
        ++writes[i];
        written[i] += done;
      }
      last_stop = std::max(last_stop, s4u::Engine::get_clock());
      pipe.close_writer(self);
      runqueue.sleep(self);
    });
  }
  engine.run();

  for (unsigned i = 0; i < config.writers; ++i) {
    out.writes += writes[i];
    out.bytes_written += written[i];
    out.latency.merge(latency[i]);
  }
  for (const std::uint64_t n : read) out.bytes_read += n;
  out.elapsed_s = last_stop;
  out.pipe = pipe.stats();
  out.mutex_spin = pipe.spin_stats();
  out.charged = pipe.charge_totals();
  out.queue_spin = pipe.queue_spin_stats();
  out.cross_allocations = allocator->cross_allocations();
  out.cross_frees = allocator->cross_frees();
  out.sched = runqueue.stats();
  out.reclaim_stalls = allocator->reclaim_stalls();
  out.steps = pipe.charges() + out.pipe.lock.acquisitions + out.mutex_spin.spins;
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  out.ok = true;
  if (failed) set_error(out, "a write failed (EPIPE or no page)");
  if (out.bytes_read != out.bytes_written) set_error(out, "bytes read != bytes written");
  return out;
}

SimOutcome simulate(const SimConfig& config) {
  SimOutcome out;
  int fds[2];
  if (::pipe(fds) != 0) {
    set_error(out, "pipe() failed");
    return out;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    set_error(out, "fork() failed");
    return out;
  }
  if (pid == 0) {
    ::close(fds[0]);
    const SimOutcome result = simulate_here(config);
    const auto* bytes = reinterpret_cast<const char*>(&result);
    std::size_t sent = 0;
    while (sent < sizeof result) {
      const ssize_t n = ::write(fds[1], bytes + sent, sizeof result - sent);
      if (n <= 0) ::_exit(1);
      sent += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&out);
  while (got < sizeof out) {
    const ssize_t n = ::read(fds[0], bytes + got, sizeof out - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got != sizeof out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out = SimOutcome{};
    set_error(out, "the simulation process failed");
  }
  return out;
}

}  // namespace pipe_bench::sim
