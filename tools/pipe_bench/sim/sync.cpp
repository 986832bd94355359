#include "pipe_bench/sim/sync.hpp"

#include <cmath>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace pipe_bench::sim {
namespace {

long self_id() {
  return static_cast<long>(simgrid::s4u::this_actor::get_pid());
}

std::uint64_t to_ns(double seconds) {
  return static_cast<std::uint64_t>(std::llround(seconds * 1e9));
}

}  // namespace

PipeMutex::PipeMutex() : mutex_(simgrid::s4u::Mutex::create()) {}

void PipeMutex::lock() {
  ++counts_.acquisitions;
  if (!mutex_->try_lock()) {
    ++counts_.contended;
    const double start = simgrid::s4u::Engine::get_clock();
    mutex_->lock();
    wait_s_ += simgrid::s4u::Engine::get_clock() - start;
  }
  owner_ = self_id();
  taken_at_ = simgrid::s4u::Engine::get_clock();
}

void PipeMutex::unlock() {
  hold_s_ += simgrid::s4u::Engine::get_clock() - taken_at_;
  owner_ = -1;
  mutex_->unlock();
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
    self.wake->acquire();
  }
}

void WaitQueue::wake_one() {
  if (sleepers_.empty()) return;
  Waiter* w = sleepers_.front();
  sleepers_.pop_front();
  w->wake->release();
}

void WaitQueue::wake_all() {
  while (!sleepers_.empty()) wake_one();
}

}  // namespace pipe_bench::sim
