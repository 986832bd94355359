#include "pipe_bench/sim/sync.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace pipe_bench::sim {
namespace {

namespace s4u = simgrid::s4u;

long self_id() {
  return static_cast<long>(s4u::this_actor::get_pid());
}

std::uint64_t to_ns(double seconds) {
  return static_cast<std::uint64_t>(std::llround(seconds * 1e9));
}

void wake(Waiter& w) {
  if (w.woken) return;
  w.woken = true;
  w.wake->release();
}

}  // namespace

std::optional<LockModel> parse_lock_model(std::string_view name) noexcept {
  if (name == "fifo") return LockModel::fifo;
  if (name == "kernel") return LockModel::kernel;
  return std::nullopt;
}

std::string_view describe(LockModel model) noexcept {
  switch (model) {
    case LockModel::fifo:
      return "fifo: sleeping mutex with FIFO hand-off at no cost, wake-ups take no time";
    case LockModel::kernel:
      return "kernel: sleeping mutex, no spinning, lock taken by whoever comes first, hand-off to "
             "a woken waiter that lost once; a task woken onto an idle CPU pays the wake-up "
             "latency";
  }
  return "unknown";
}

PipeMutex::PipeMutex(Runqueue& runqueue, LockModel model)
    : runqueue_(runqueue), model_(model), mutex_(s4u::Mutex::create()) {}

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
  if (model_ == LockModel::fifo) {
    if (!mutex_->try_lock()) {
      ++counts_.contended;
      const double start = s4u::Engine::get_clock();
      runqueue_.sleep();
      mutex_->lock();
      (void)runqueue_.wake();
      wait_s_ += s4u::Engine::get_clock() - start;
    }
  } else {
    lock_kernel(self);
  }
  owner_ = self_id();
  taken_at_ = s4u::Engine::get_clock();
}

void PipeMutex::lock_kernel(Waiter& self) {
  if (!locked_) {
    locked_ = true;
    return;
  }
  ++counts_.contended;
  const double start = s4u::Engine::get_clock();
  sleepers_.push_back(&self);
  for (;;) {
    sleep_once(self);
    if (handed_to_ == &self) {  // unlock_kernel kept the lock taken for us
      handed_to_ = nullptr;
      break;
    }
    if (!locked_) {
      locked_ = true;
      sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), &self));
      break;
    }
    if (handoff_request_ == nullptr) handoff_request_ = &self;
  }
  wait_s_ += s4u::Engine::get_clock() - start;
}

void PipeMutex::unlock() {
  hold_s_ += s4u::Engine::get_clock() - taken_at_;
  owner_ = -1;
  if (model_ == LockModel::fifo) {
    mutex_->unlock();
  } else {
    unlock_kernel();
  }
}

void PipeMutex::unlock_kernel() {
  if (handoff_request_ != nullptr) {
    Waiter* w = handoff_request_;
    handoff_request_ = nullptr;
    sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), w));
    handed_to_ = w;  // the lock stays taken, for w
    wake(*w);
    return;
  }
  locked_ = false;
  if (!sleepers_.empty()) wake(*sleepers_.front());
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
  while (!ready()) {
    sleepers_.push_back(&self);
    runqueue_.sleep();
    self.wake->acquire();
    const double latency = runqueue_.wake();
    if (latency > 0) s4u::this_actor::sleep_for(latency);
    self.woken = false;
  }
}

void WaitQueue::wake_one() {
  if (sleepers_.empty()) return;
  Waiter* w = sleepers_.front();
  sleepers_.pop_front();
  wake(*w);
}

void WaitQueue::wake_all() {
  while (!sleepers_.empty()) wake_one();
}

}  // namespace pipe_bench::sim
