#include "pipe_bench/sim/runqueue.hpp"

#include <algorithm>
#include <bit>
#include <simgrid/s4u/Actor.hpp>

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

// The host runs 1e9 flops per second: one flop is one ns of a core.
constexpr double kFlopsPerSecond = 1e9;
// A slice this close to its end has ended (below the engine's precision, a wait or an execution
// would not advance the clock).
constexpr double kSliceEpsilonS = 1e-10;

}  // namespace

double kernel_base_slice_ns(unsigned cpus) noexcept {
  // get_update_sysctl_factor with SCHED_TUNABLESCALING_LOG: 1 + ilog2(min(online CPUs, 8)).
  const unsigned n = std::clamp(cpus, 1u, 8u);
  return 700000.0 * (1 + (std::bit_width(n) - 1));
}

Runqueue::Runqueue(unsigned cpus, double wakeup_ns, std::vector<double> quantiles_ns,
                   std::uint64_t seed, double slice_ns)
    : cpus_(std::max(1u, cpus)),
      slice_s_((slice_ns > 0 ? slice_ns : kernel_base_slice_ns(cpus)) * 1e-9),
      wakeup_s_(wakeup_ns * 1e-9),
      quantiles_ns_(std::move(quantiles_ns)),
      rng_(seed) {}

void Runqueue::start(Waiter& self, unsigned cpu) {
  const auto id = static_cast<std::size_t>(s4u::this_actor::get_pid());
  if (by_actor_.size() <= id) by_actor_.resize(id + 1, nullptr);
  by_actor_[id] = &self;
  self.cpu = cpu % cpus();
  if (!place(self)) self.cpu_grant->acquire();
}

Waiter& Runqueue::current() const {
  return *by_actor_[static_cast<std::size_t>(s4u::this_actor::get_pid())];
}

void Runqueue::run(Waiter& self, double ns) {
  double left_s = ns * 1e-9;
  while (left_s > 0) {
    const double chunk_s = std::min(left_s, self.slice_left_s);
    if (chunk_s > 0) s4u::this_actor::execute(chunk_s * kFlopsPerSecond);
    left_s -= chunk_s;
    self.slice_left_s -= chunk_s;
    if (self.slice_left_s <= kSliceEpsilonS) (void)end_slice(self);
  }
}

bool Runqueue::end_slice(Waiter& self) {
  self.slice_left_s = slice_s_;  // update_deadline: a new request
  Cpu& cpu = cpus_[self.cpu];
  if (cpu.queue.empty()) return false;
  ++stats_.preemptions;
  Waiter* next = cpu.queue.front();
  cpu.queue.pop_front();
  self.state = Waiter::State::queued;
  cpu.queue.push_back(&self);
  grant(self.cpu, *next);
  // The queues are consistent before the hook runs: it ends spins, engine calls during which
  // other actors run (a newly idle CPU may pull a queued task, this one included).
  if (preempt_) preempt_(self, true);
  self.cpu_grant->acquire();
  if (preempt_) preempt_(self, false);
  return true;
}

bool Runqueue::spin_needs_resched(Waiter& self, double spent_s) {
  self.slice_left_s -= spent_s;
  if (self.slice_left_s > kSliceEpsilonS) return false;
  self.slice_left_s = slice_s_;
  if (cpus_[self.cpu].queue.empty()) return false;
  ++stats_.need_resched_spins;
  return true;
}

void Runqueue::sleep(Waiter& self) {
  cpus_[self.cpu].current = nullptr;
  self.state = Waiter::State::off;
  pick_next(self.cpu);
}

void Runqueue::wake(Waiter& self) {
  if (place(self)) {
    ++stats_.wakeups_idle;
    const double latency = latency_s();
    if (latency > 0) s4u::this_actor::sleep_for(latency);
  } else {
    ++stats_.wakeups_queued;
    self.cpu_grant->acquire();
  }
}

void Runqueue::block(Waiter& self) {
  sleep(self);
  self.wake->acquire();
  wake(self);
  self.woken = false;  // further wake-ups were no-ops until now: it was not asleep for them
}

void Runqueue::pick_next(unsigned cpu) {
  Cpu& c = cpus_[cpu];
  if (c.queue.empty()) {
    // Newly idle balance: the head of the longest other queue moves here.
    unsigned busiest = cpu;
    for (unsigned i = 0; i < cpus(); ++i)
      if (cpus_[i].queue.size() > cpus_[busiest].queue.size()) busiest = i;
    if (busiest == cpu) return;  // nothing waits anywhere: the CPU idles
    ++stats_.migrations;
    Waiter* w = cpus_[busiest].queue.front();
    cpus_[busiest].queue.pop_front();
    grant(cpu, *w);
    return;
  }
  Waiter* w = c.queue.front();
  c.queue.pop_front();
  grant(cpu, *w);
}

void Runqueue::assign(unsigned cpu, Waiter& w) {
  cpus_[cpu].current = &w;
  w.cpu = cpu;
  w.state = Waiter::State::running;
  w.slice_left_s = slice_s_;
}

void Runqueue::grant(unsigned cpu, Waiter& w) {
  assign(cpu, w);
  w.cpu_grant->release();
}

bool Runqueue::place(Waiter& self) {
  const unsigned prev = self.cpu;
  for (unsigned i = 0; i < cpus(); ++i) {
    const unsigned cpu = (prev + i) % cpus();
    if (idle(cpu)) {
      if (cpu != prev) ++stats_.migrations;
      assign(cpu, self);
      return true;
    }
  }
  self.state = Waiter::State::queued;
  cpus_[prev].queue.push_back(&self);
  return false;
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
