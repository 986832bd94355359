#include "pipe_bench/sim/sync.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <simgrid/Exception.hpp>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "internal/pipe_mutex.hpp"
#include "internal/wait_queue.hpp"

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

long self_id() {
  return static_cast<long>(s4u::this_actor::get_pid());
}

std::uint64_t to_ns(double seconds) {
  return static_cast<std::uint64_t>(std::llround(seconds * 1e9));
}

// A spin's execution: longer than any simulation, it ends by cancellation.
constexpr double kSpinForeverFlops = 1e18;

void wake(Waiter& w) {
  if (w.woken) return;
  w.woken = true;
  w.wake->release();
}

double now() {
  return s4u::Engine::get_clock();
}

// Spins on the caller's CPU, registered in `spinners`, until another actor ends the spin
// (end_spin) or `limit_s` of virtual time passed; returns why it ended (spinning: the time ran
// out) and adds the time to `stats`.
Waiter::SpinEnd bounded_spin(Waiter& self, double limit_s, std::deque<Waiter*>& spinners,
                             SpinStats& stats) {
  const double start = now();
  ++stats.spins;
  self.spin_end = Waiter::SpinEnd::spinning;
  self.spin_started = false;
  self.spin = s4u::this_actor::exec_init(kSpinForeverFlops);
  spinners.push_back(&self);  // from here on, another actor may end the spin
  self.spin->start();         // an engine call: others may run meanwhile
  self.spin_started = true;
  if (self.spin_end == Waiter::SpinEnd::spinning) {
    try {
      self.spin->wait_for(limit_s);
    } catch (const simgrid::TimeoutException&) {
      // the time ran out, unless an end_spin came at the same instant
    } catch (const simgrid::CancelException&) {
      // end_spin set the reason
    }
  }
  if (self.spin_end == Waiter::SpinEnd::spinning)
    std::erase(spinners, &self);  // before any engine call: nobody may end this spin any more
  if (self.spin->get_state() == s4u::Activity::State::STARTED) self.spin->cancel();
  self.spin = nullptr;
  self.spin_started = false;
  stats.spin_s += now() - start;
  return self.spin_end;
}

// Pays a FUTEX_WAKE system call on the caller's CPU.
void pay_futex_wake(double ns, SpinStats& stats) {
  ++stats.futex_wakes;
  if (ns > 0) s4u::this_actor::execute(ns);
}

}  // namespace

double pipepool_mutex_spin_s() noexcept {
  return std::chrono::duration<double>(pipepool::internal::PipeMutex::kSpinNs).count();
}

double pipepool_queue_spin_s() noexcept {
  return std::chrono::duration<double>(pipepool::internal::WaitQueue::kSpinNs).count();
}

double pipepool_recent_s() noexcept {
  return static_cast<double>(pipepool::internal::RunningCount::kRecentTicks) /
         (kValidationTscGhz * 1e9);
}

std::optional<LockModel> parse_lock_model(std::string_view name) noexcept {
  if (name == "fifo") return LockModel::fifo;
  if (name == "kernel") return LockModel::kernel;
  if (name == "pipepool") return LockModel::pipepool;
  return std::nullopt;
}

std::string_view describe(LockModel model) noexcept {
  switch (model) {
    case LockModel::fifo:
      return "fifo: sleeping mutex with FIFO hand-off at no cost, wake-ups take no time";
    case LockModel::kernel:
      return "kernel: optimistic spinning while the owner runs and the spinner has a CPU, else "
             "sleep; lock taken by a spinner or whoever comes first, hand-off to a woken first "
             "waiter that lost once; a task woken onto an idle CPU pays the wake-up latency";
    case LockModel::pipepool:
      return "pipepool: pipepool's own mutex (spin up to 10 us, then futex) and wait queues "
             "(the oldest waiter spins up to 20 us while the other side runs, then futex); a "
             "task woken onto an idle CPU pays the wake-up latency";
  }
  return "unknown";
}

PipeMutex::PipeMutex(Runqueue& runqueue, LockModel model, double handoff_ns, double futex_wake_ns)
    : runqueue_(runqueue),
      model_(model),
      handoff_ns_(handoff_ns),
      futex_wake_ns_(futex_wake_ns),
      mutex_(s4u::Mutex::create()) {
  if (model_ == LockModel::kernel)
    runqueue_.set_preempt_hook([this] { return stop_newest_spinner(); });
}

// Sleeps until woken, then pays the wake-up latency when it landed on an idle CPU.
void PipeMutex::sleep_once(Waiter& self) {
  runqueue_.sleep();
  self.wake->acquire();
  const double latency = runqueue_.wake();
  if (latency > 0) s4u::this_actor::sleep_for(latency);
  self.woken = false;  // further wake-ups were no-ops until now: it was not asleep for them
}

void PipeMutex::lock(Waiter& self) {
  ++counts_.acquisitions;
  bool passed = false;
  if (model_ == LockModel::fifo) {
    if (!mutex_->try_lock()) {
      ++counts_.contended;
      const double start = s4u::Engine::get_clock();
      runqueue_.sleep();
      mutex_->lock();
      (void)runqueue_.wake();
      wait_s_ += s4u::Engine::get_clock() - start;
    }
  } else if (model_ == LockModel::kernel) {
    passed = lock_kernel(self);
  } else {
    passed = lock_pipepool(self);
  }
  owner_ = self_id();
  taken_at_ = s4u::Engine::get_clock();
  // The lock word (and the owner's last writes) come over from the releasing CPU: the probe's
  // mutex hand-off, under the lock.
  if (passed && handoff_ns_ > 0) {
    spin_.handoff_s += handoff_ns_ * 1e-9;
    s4u::this_actor::execute(handoff_ns_);
  }
}

// PipeMutex::lock: the compare-and-swap, the bounded spin (a spinner takes the lock the moment
// it is free: unlock passes it to the oldest), then futex sleeps until a wake-up finds it free.
bool PipeMutex::lock_pipepool(Waiter& self) {
  if (!locked_) {
    locked_ = true;
    return false;
  }
  ++counts_.contended;
  const double start = now();
  if (bounded_spin(self, pipepool_mutex_spin_s(), spinners_, spin_) == Waiter::SpinEnd::acquired) {
    ++spin_.spin_acquisitions;
    wait_s_ += now() - start;
    return true;
  }
  for (;;) {
    if (!locked_) {  // the exchange(2) that finds it free
      locked_ = true;
      break;
    }
    sleepers_.push_back(&self);  // futex_wait on the contended state, in the futex's FIFO order
    ++spin_.sleeps;
    sleep_once(self);
  }
  wait_s_ += now() - start;
  return false;
}

// PipeMutex::unlock: the store of 0 goes to the oldest spinner when one spins (its next
// compare-and-swap), and a contended state wakes one futex sleeper, whose system call the
// unlocker pays.
void PipeMutex::unlock_pipepool() {
  if (!spinners_.empty()) {
    Waiter* w = spinners_.front();
    spinners_.pop_front();
    end_spin(*w, Waiter::SpinEnd::acquired);  // the lock stays taken, for w
  } else {
    locked_ = false;
  }
  if (!sleepers_.empty()) {
    Waiter* w = sleepers_.front();
    sleepers_.pop_front();
    wake(*w);
    pay_futex_wake(futex_wake_ns_, spin_);
  }
}

// __mutex_lock_common: the fast path (__mutex_trylock_fast), optimistic spinning, then the wait
// list, where the first waiter asks for a hand-off and spins again each time it wakes and loses.
bool PipeMutex::lock_kernel(Waiter& self) {
  if (!locked_) {
    locked_ = true;
    return false;
  }
  ++counts_.contended;
  const double start = s4u::Engine::get_clock();
  if (spin(self)) {
    ++spin_.spin_acquisitions;
    wait_s_ += s4u::Engine::get_clock() - start;
    return true;
  }
  sleepers_.push_back(&self);  // __mutex_add_waiter
  bool passed = false;
  for (;;) {
    ++spin_.sleeps;
    sleep_once(self);           // schedule_preempt_disabled
    if (handed_to_ == &self) {  // __mutex_handoff kept the lock taken for us
      handed_to_ = nullptr;
      break;
    }
    if (!locked_) {  // __mutex_trylock
      locked_ = true;
      std::erase(sleepers_, &self);
      if (handoff_request_ == &self) handoff_request_ = nullptr;
      break;
    }
    if (sleepers_.front() != &self) continue;  // __mutex_waiter_is_first
    // __mutex_trylock_or_handoff: the first waiter asks the owner to hand the lock over.
    if (handoff_request_ == nullptr) handoff_request_ = &self;
    if (spin(self)) {  // the unlock that ended the spin handed it the lock
      passed = true;
      break;
    }
  }
  wait_s_ += s4u::Engine::get_clock() - start;
  return passed;
}

// mutex_can_spin_on_owner / mutex_spin_on_owner's conditions: the owner is on a CPU (a task the
// lock was handed to is not, until its wake-up ends) and the spinner's own CPU has nothing else to
// run (need_resched()): every runnable task, the spinner included, has a CPU.
bool PipeMutex::can_spin() const noexcept {
  return model_ == LockModel::kernel && locked_ && handed_to_ == nullptr &&
         runqueue_.every_task_has_a_cpu();
}

// mutex_optimistic_spin. The spinner burns its CPU in an execution that the lock's owner cancels
// when it passes the lock (unlock), or a woken task cancels when it needs the CPU
// (stop_newest_spinner). Spinners queue in arrival order (osq_lock's MCS queue): the head gets the
// lock at the next unlock, the others keep spinning on the new owner.
bool PipeMutex::spin(Waiter& self) {
  if (!can_spin()) return false;
  const double start = s4u::Engine::get_clock();
  self.spin = s4u::this_actor::exec_init(kSpinForeverFlops);
  self.spin->start();
  self.spin_started = true;
  // Starting is an engine call, during which other actors may have run: check again, with no
  // engine call between this check and the spinner's registration.
  if (!can_spin()) {
    self.spin->cancel();
    self.spin = nullptr;
    self.spin_started = false;
    return false;
  }
  ++spin_.spins;
  self.spin_end = Waiter::SpinEnd::spinning;
  spinners_.push_back(&self);
  try {
    self.spin->wait();
  } catch (const simgrid::CancelException&) {
    // end_spin set the reason
  }
  self.spin = nullptr;
  self.spin_started = false;
  spin_.spin_s += s4u::Engine::get_clock() - start;
  if (self.spin_end == Waiter::SpinEnd::spinning) {  // cannot happen: the execution never ends
    std::erase(spinners_, &self);
    return false;
  }
  return self.spin_end == Waiter::SpinEnd::acquired;
}

void end_spin(Waiter& w, Waiter::SpinEnd why) {
  w.spin_end = why;
  if (w.spin_started) w.spin->cancel();
}

bool PipeMutex::stop_newest_spinner() {
  if (spinners_.empty()) return false;
  Waiter* w = spinners_.back();
  spinners_.pop_back();
  end_spin(*w, Waiter::SpinEnd::stopped);
  return true;
}

void PipeMutex::unlock() {
  hold_s_ += s4u::Engine::get_clock() - taken_at_;
  owner_ = -1;
  if (model_ == LockModel::fifo) {
    mutex_->unlock();
  } else if (model_ == LockModel::kernel) {
    unlock_kernel();
  } else {
    unlock_pipepool();
  }
}

// __mutex_unlock_slowpath: a requested hand-off gives the lock to the first waiter
// (__mutex_handoff); otherwise the head spinner takes it as soon as it is released, or it is
// released; and the first sleeper is woken whenever the wait list is not empty.
void PipeMutex::unlock_kernel() {
  if (handoff_request_ != nullptr) {
    Waiter* w = handoff_request_;
    handoff_request_ = nullptr;
    std::erase(sleepers_, w);
    if (const auto it = std::find(spinners_.begin(), spinners_.end(), w); it != spinners_.end()) {
      spinners_.erase(it);  // spinning: it takes the lock on its CPU
      end_spin(*w, Waiter::SpinEnd::acquired);
    } else {
      handed_to_ = w;  // the lock stays taken, for w
      wake(*w);
      // The owner is now a task that is not running: mutex_spin_on_owner gives up.
      while (stop_newest_spinner()) {
      }
    }
    return;
  }
  if (!spinners_.empty()) {
    Waiter* w = spinners_.front();
    spinners_.pop_front();
    std::erase(sleepers_, w);
    end_spin(*w, Waiter::SpinEnd::acquired);  // the lock stays taken, for w
  } else {
    locked_ = false;
  }
  // A first waiter that spins is on its CPU already.
  if (!sleepers_.empty() &&
      std::find(spinners_.begin(), spinners_.end(), sleepers_.front()) == spinners_.end())
    wake(*sleepers_.front());
}

bool PipeMutex::held_by_caller() const noexcept {
  return owner_ == self_id();
}

pipepool::LockStats PipeMutex::stats() const noexcept {
  pipepool::LockStats s = counts_;
  s.hold_ns = to_ns(hold_s_);
  s.wait_ns = to_ns(wait_s_);
  return s;
}

void WaitQueue::wait_until(Waiter& self, const std::function<bool()>& ready) {
  // Actors run one at a time and switch only inside SimGrid calls, so nothing changes between
  // the check, the enqueue and the sleep: no wake-up is lost.
  bool at_head = false;
  while (!ready()) {
    const bool spin = model_ == LockModel::pipepool && sleepers_.empty() && other_ != nullptr &&
                      other_->running(now(), pipepool_recent_s());
    if (at_head) {
      sleepers_.push_front(&self);
    } else {
      sleepers_.push_back(&self);
    }
    if (!spin || !spin_for_release(self)) {
      runqueue_.sleep();
      self.wake->acquire();
      const double latency = runqueue_.wake();
      if (latency > 0) s4u::this_actor::sleep_for(latency);
      self.woken = false;
    }
    at_head = model_ == LockModel::pipepool;
  }
}

bool WaitQueue::spin_for_release(Waiter& self) {
  // The spin is registered in the waiter (queue_spin); wake_one ends it. It is not in a spinner
  // list of its own: sleepers_ holds every waiter not yet released.
  std::deque<Waiter*> mine;
  self.queue_spin = true;
  const bool released =
      bounded_spin(self, pipepool_queue_spin_s(), mine, stats_) == Waiter::SpinEnd::acquired;
  self.queue_spin = false;
  if (released) ++stats_.spin_acquisitions;
  return released;
}

void WaitQueue::wake_one() {
  if (sleepers_.empty()) return;
  Waiter* w = sleepers_.front();
  sleepers_.pop_front();
  if (w->queue_spin && w->spin != nullptr && w->spin_end == Waiter::SpinEnd::spinning) {
    end_spin(*w, Waiter::SpinEnd::acquired);  // the store it spins on: no futex call
    return;
  }
  wake(*w);
  if (model_ == LockModel::pipepool) pay_futex_wake(futex_wake_ns_, stats_);
}

void WaitQueue::wake_all() {
  while (!sleepers_.empty()) wake_one();
}

}  // namespace pipe_bench::sim
