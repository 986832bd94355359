// The simulated anonymous pipe: fs/pipe.c's anon_pipe_write and anon_pipe_read, step by step, in
// the kernel's lock shape (copies under the pipe mutex), over one of pipepool's own PagePool
// policies. Blocking calls only; no packet mode, no O_NONBLOCK, no signals.
//
// Time: every step costs CPU time (SimCosts), charged to the calling actor with
// this_actor::execute on the side of the mutex where the step runs; the pool's page allocations
// and frees are charged after each hook from the VirtualTimeAllocator's pending total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pipe_bench/sim/costs.hpp"
#include "pipe_bench/sim/sync.hpp"
#include "pipe_bench/sim/virtual_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

class SimPipe {
 public:
  // `pool` allocates from `allocator`; both outlive the pipe. `pipe_bytes` is rounded down to
  // whole pages (at least one slot).
  SimPipe(pipepool::PagePool& pool, VirtualTimeAllocator& allocator, const SimCosts& costs,
          Runqueue& runqueue, LockModel lock_model, std::size_t pipe_bytes, unsigned writers,
          unsigned readers);
  ~SimPipe();
  SimPipe(const SimPipe&) = delete;
  SimPipe& operator=(const SimPipe&) = delete;

  // Bytes written (len, or fewer when the readers went away), 0 for EPIPE.
  std::size_t write(Waiter& self, std::size_t len);
  // Bytes read, 0 at end of file.
  std::size_t read(Waiter& self, std::size_t len);
  // An end's last close wakes every sleeper of both queues.
  void close_writer(Waiter& self);
  void close_reader(Waiter& self);

  // Counters as pipepool's Pipe reports them (pool, mutex, bytes, calls).
  [[nodiscard]] pipepool::PipeStats stats() const;
  // The kernel lock model's spins and sleeps on the mutex.
  [[nodiscard]] SpinStats spin_stats() const noexcept { return mutex_.spin_stats(); }
  // CPU charges made (this_actor::execute calls): the simulation's unit of work, for its speed.
  [[nodiscard]] std::uint64_t charges() const noexcept { return charges_; }

 private:
  struct Slot {
    void* page = nullptr;
    std::uint32_t offset = 0;
    std::uint32_t len = 0;
  };

  [[nodiscard]] bool empty() const noexcept { return head_ == tail_; }
  [[nodiscard]] bool full() const noexcept { return head_ - tail_ >= slots_.size(); }
  Slot& slot(std::uint64_t index) noexcept { return slots_[index & (slots_.size() - 1)]; }
  // Charges `ns` of CPU to the running actor.
  void charge(double ns);
  // Charges what the pool's last hook allocated and freed.
  void charge_pages();

  pipepool::PagePool& pool_;
  VirtualTimeAllocator& allocator_;
  SimCosts costs_;
  std::vector<Slot> slots_;  // a power of two
  std::uint64_t head_ = 0;   // free-running, masked when a slot is addressed
  std::uint64_t tail_ = 0;
  unsigned writers_;
  unsigned readers_;
  PipeMutex mutex_;
  WaitQueue rd_wait_;
  WaitQueue wr_wait_;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t writes_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t writes_blocked_ = 0;
  std::uint64_t reads_blocked_ = 0;
  std::uint64_t charges_ = 0;
};

}  // namespace pipe_bench::sim
