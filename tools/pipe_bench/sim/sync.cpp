#include "pipe_bench/sim/sync.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
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

// Shorter than this, a spin's remaining time or slice is over (below the engine's precision, a
// wait would not advance the clock).
constexpr double kTimeEpsilonS = 1e-10;

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
// (end_spin), `limit_s` of virtual time passed, `keep` (when given) no longer holds, or the
// caller's slice ends while another task waits for its CPU (need_resched()); returns why it ended
// (spinning: the time ran out, the condition failed or the CPU is needed) and adds the time to
// `stats`. `keep` is checked once the spin's execution has started (starting is an engine call,
// during which other actors run: the lock may have been released meanwhile, with nobody left to
// end the spin) and after every wait. Every turn of the loop either waits (virtual time passes)
// or renews the slice, and the spin ends at the latest when `keep` fails, so a spin on a free
// lock or an owner off its CPU cannot go on for ever. When `limit_s` runs out, `renew` (when
// given) may set a later limit (seconds from the spin's start; one not later than now ends the
// spin). With `yield`, a spin ended by need_resched() gives the CPU up (the caller is preempted)
// before it returns.
Waiter::SpinEnd bounded_spin(Waiter& self, double limit_s, std::deque<Waiter*>& spinners,
                             SpinStats& stats, Runqueue& runqueue, bool yield,
                             const std::function<bool()>& keep = {},
                             const std::function<double(double spent_s)>& renew = {}) {
  const double start = now();
  ++stats.spins;
  self.spin_end = Waiter::SpinEnd::spinning;
  self.spin_started = false;
  self.spin = s4u::this_actor::exec_init(kSpinForeverFlops);
  spinners.push_back(&self);  // from here on, another actor may end the spin
  self.spin->start();         // an engine call: others may run meanwhile
  self.spin_started = true;
  bool resched = false;
  double checked = start;  // the slice is accounted up to here
  while (self.spin_end == Waiter::SpinEnd::spinning) {
    if (keep && !keep()) break;  // what it spins on is gone
    double limit_left = limit_s - (now() - start);
    if (limit_left <= kTimeEpsilonS && renew) {
      limit_s = renew(now() - start);
      limit_left = limit_s - (now() - start);
    }
    if (limit_left <= kTimeEpsilonS) break;  // the time ran out
    const double slice_left = self.slice_left_s - (now() - checked);
    if (slice_left > kTimeEpsilonS) {
      try {
        self.spin->wait_for(std::min(limit_left, slice_left));
      } catch (const simgrid::TimeoutException&) {
        // the time or the slice ran out, unless an end_spin came at the same instant
      } catch (const simgrid::CancelException&) {
        // end_spin set the reason
      }
    }
    if (self.spin_end != Waiter::SpinEnd::spinning) break;
    if (self.spin->get_state() != s4u::Activity::State::STARTED) {
      // The engine ends an execution whose wait timed out: the spin goes on in a new one.
      self.spin_started = false;
      self.spin = s4u::this_actor::exec_init(kSpinForeverFlops);
      self.spin->start();
      self.spin_started = true;
      if (self.spin_end != Waiter::SpinEnd::spinning) break;
    }
    resched = runqueue.spin_needs_resched(self, now() - checked);
    checked = now();
    if (resched) break;
  }
  if (self.spin_end == Waiter::SpinEnd::spinning)
    std::erase(spinners, &self);  // before any engine call: nobody may end this spin any more
  if (self.spin->get_state() == s4u::Activity::State::STARTED) self.spin->cancel();
  self.spin = nullptr;
  self.spin_started = false;
  stats.spin_s += now() - start;
  const Waiter::SpinEnd why = self.spin_end;
  if (why == Waiter::SpinEnd::spinning && resched && yield) {
    // The slice ended during the spin: a new one was granted; give the CPU to the waiting task.
    self.slice_left_s = 0;
    (void)runqueue.end_slice(self);
  }
  return why;
}

// Pays a FUTEX_WAKE system call on the caller's CPU.
void pay_futex_wake(Runqueue& runqueue, double ns, SpinStats& stats) {
  ++stats.futex_wakes;
  if (ns > 0) runqueue.run(runqueue.current(), ns);
}

}  // namespace

double pipepool_mutex_spin_s() noexcept {
  return std::chrono::duration<double>(pipepool::internal::PipeMutex::kSpinNs).count();
}

double pipepool_mutex_spin_max_s() noexcept {
  return std::chrono::duration<double>(pipepool::internal::PipeMutex::kSpinMaxNs).count();
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
      return "pipepool: pipepool's own mutex (spin 10 us, renewed while the owner shows "
             "progress up to 500 us, then futex) and wait queues "
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
  runqueue_.set_preempt_hook([this](Waiter& w, bool out) { on_preempt(w, out); });
}

void PipeMutex::on_preempt(Waiter& w, bool out) {
  if (&w != owner_task_) return;
  if (out) {
    ++spin_.holder_preemptions;
    owner_off_since_ = now();
    // mutex_spin_on_owner: the owner is off its CPU, spinning on it ends.
    if (model_ == LockModel::kernel)
      while (stop_newest_spinner()) {
      }
  } else {
    spin_.hold_off_cpu_s += now() - owner_off_since_;
  }
}

// Sleeps until woken, then waits for a CPU (the wake-up latency when it landed on an idle one).
void PipeMutex::sleep_once(Waiter& self) {
  runqueue_.block(self);
}

void PipeMutex::lock(Waiter& self) {
  ++counts_.acquisitions;
  bool passed = false;
  if (model_ == LockModel::fifo) {
    if (!mutex_->try_lock()) {
      ++counts_.contended;
      const double start = s4u::Engine::get_clock();
      runqueue_.sleep(self);
      mutex_->lock();
      runqueue_.wake(self);
      wait_s_ += s4u::Engine::get_clock() - start;
    }
  } else if (model_ == LockModel::kernel) {
    passed = lock_kernel(self);
  } else {
    passed = lock_pipepool(self);
  }
  owner_ = self_id();
  owner_task_ = &self;
  taken_at_ = s4u::Engine::get_clock();
  // The lock word (and the owner's last writes) come over from the releasing CPU: the probe's
  // mutex hand-off, under the lock.
  if (passed && handoff_ns_ > 0) {
    spin_.handoff_s += handoff_ns_ * 1e-9;
    runqueue_.run(self, handoff_ns_);
  }
}

// PipeMutex::lock: the compare-and-swap, the spin (a spinner takes the lock the moment it is
// free: unlock passes it to the oldest), then futex sleeps until a wake-up finds it free. The
// spin lasts kSpinNs, and another kSpinNs each time it ends having seen the owner's progress
// (note_progress) since the last check, up to kSpinMaxNs in all, as PipeMutex::spin does.
bool PipeMutex::lock_pipepool(Waiter& self) {
  if (!locked_) {
    locked_ = true;
    return false;
  }
  ++counts_.contended;
  const double start = now();
  // PipeMutex::spin's deadline: another kSpinNs while the owner showed progress, up to kSpinMaxNs.
  std::uint64_t seen = progress_;
  const auto renew = [this, &seen](double spent_s) {
    if (progress_ == seen) return 0.0;
    seen = progress_;
    return std::min(spent_s + pipepool_mutex_spin_s(), pipepool_mutex_spin_max_s());
  };
  if (bounded_spin(
          self, pipepool_mutex_spin_s(), spinners_, spin_, runqueue_, true,
          [this] { return locked_; }, renew) == Waiter::SpinEnd::acquired) {
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
    owner_task_ = w;
    end_spin(*w, Waiter::SpinEnd::acquired);  // the lock stays taken, for w
  } else {
    locked_ = false;
  }
  if (!sleepers_.empty()) {
    Waiter* w = sleepers_.front();
    sleepers_.pop_front();
    wake(*w);
    pay_futex_wake(runqueue_, futex_wake_ns_, spin_);
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

// mutex_can_spin_on_owner / mutex_spin_on_owner's conditions: the owner is running on a CPU (a
// task the lock was handed to is not, until it runs; an owner preempted holding the lock is not).
// The spinner's own need_resched() ends the spin at its slice's end (bounded_spin).
bool PipeMutex::can_spin() const noexcept {
  return model_ == LockModel::kernel && locked_ && handed_to_ == nullptr &&
         owner_task_ != nullptr && Runqueue::running(*owner_task_);
}

// mutex_optimistic_spin. The spinner burns its CPU in an execution that the lock's owner cancels
// when it passes the lock (unlock), or that ends when the owner leaves its CPU (on_preempt,
// __mutex_handoff) or the spinner's slice ends with another task waiting for its CPU. Spinners
// queue in arrival order (osq_lock's MCS queue): the head gets the lock at the next unlock, the
// others keep spinning on the new owner.
//
// A spin that ends on a free lock (released while the spinner registered) takes it, as
// mutex_optimistic_spin's __mutex_trylock_or_owner does; the lock word comes over from the CPU
// that released it (the caller pays the hand-off).
bool PipeMutex::spin(Waiter& self) {
  if (!can_spin()) return false;
  if (bounded_spin(self, std::numeric_limits<double>::infinity(), spinners_, spin_, runqueue_,
                   false, [this] { return can_spin(); }) == Waiter::SpinEnd::acquired)
    return true;
  if (locked_) return false;
  locked_ = true;
  std::erase(sleepers_, &self);
  if (handoff_request_ == &self) handoff_request_ = nullptr;
  return true;
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
  owner_task_ = nullptr;
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
      owner_task_ = w;
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
    owner_task_ = w;                          // running: it spins on its CPU
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
    if (!spin || !spin_for_release(self)) runqueue_.block(self);
    at_head = model_ == LockModel::pipepool;
  }
}

bool WaitQueue::spin_for_release(Waiter& self) {
  // The spin is registered in the waiter (queue_spin); wake_one ends it. It is not in a spinner
  // list of its own: sleepers_ holds every waiter not yet released.
  std::deque<Waiter*> mine;
  self.queue_spin = true;
  const bool released = bounded_spin(self, pipepool_queue_spin_s(), mine, stats_, runqueue_,
                                     true) == Waiter::SpinEnd::acquired;
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
  if (model_ == LockModel::pipepool) pay_futex_wake(runqueue_, futex_wake_ns_, stats_);
}

void WaitQueue::wake_all() {
  while (!sleepers_.empty()) wake_one();
}

}  // namespace pipe_bench::sim
