// The simulated anonymous pipe: fs/pipe.c's anon_pipe_write and anon_pipe_read, step by step, in
// the kernel's lock shape (copies under the pipe mutex), over one of pipepool's own PagePool
// policies. Blocking calls only; no packet mode, no O_NONBLOCK, no signals.
//
// Time: every step costs CPU time (SimCosts), charged to the calling actor with
// this_actor::execute on the side of the mutex where the step runs; the pool's page allocations
// and frees are charged after each hook from the VirtualTimeAllocator's pending total. Pages
// remember the CPU that touched them last (the writer that filled a slot, the reader that emptied
// it), so that under a PageModel other than one_cpu a copy of a page another CPU touched last
// costs the two-CPU copy figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "pipe_bench/sim/costs.hpp"
#include "pipe_bench/sim/placement.hpp"
#include "pipe_bench/sim/sync.hpp"
#include "pipe_bench/sim/virtual_allocator.hpp"
#include "pipepool/page_pool.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench::sim {

// CPU time charged by the pipe's steps (not spins), and the part under the pipe mutex by what it
// paid for: allocations, frees, copies (the rest of the hold is the difference from the mutex's
// hold time: hand-offs and steps that cost nothing).
struct ChargeTotals {
  double busy_ns = 0;
  double hold_alloc_ns = 0;
  double hold_free_ns = 0;
  double hold_copy_ns = 0;
};

class SimPipe {
 public:
  // `pool` allocates from `allocator`; both outlive the pipe. `pipe_bytes` is rounded down to
  // whole pages (at least one slot).
  SimPipe(pipepool::PagePool& pool, VirtualTimeAllocator& allocator, const SimCosts& costs,
          Runqueue& runqueue, LockModel lock_model, PageModel page_model, std::size_t pipe_bytes,
          unsigned writers, unsigned readers);
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
  // The lock model's spins and sleeps on the mutex, and the wait queues' (pipepool model).
  [[nodiscard]] SpinStats spin_stats() const noexcept { return mutex_.spin_stats(); }
  [[nodiscard]] const SpinStats& queue_spin_stats() const noexcept { return queue_spin_; }
  // CPU charges made (this_actor::execute calls): the simulation's unit of work, for its speed.
  [[nodiscard]] std::uint64_t charges() const noexcept { return charges_; }
  [[nodiscard]] const ChargeTotals& charge_totals() const noexcept { return totals_; }

 private:
  struct Slot {
    void* page = nullptr;
    std::uint32_t offset = 0;
    std::uint32_t len = 0;
    unsigned cpu = 0;  // of the writer that filled it
  };

  [[nodiscard]] bool empty() const noexcept { return head_ == tail_; }
  [[nodiscard]] bool full() const noexcept { return head_ - tail_ >= slots_.size(); }
  Slot& slot(std::uint64_t index) noexcept { return slots_[index & (slots_.size() - 1)]; }
  // Charges `copy_ns` + `other_ns` + what the pool's hooks allocated and freed since the last
  // charge, as one step of the running actor's CPU.
  void charge(double copy_ns = 0, double other_ns = 0);
  // The copy of `bytes` into (write) or out of a page another CPU touched last (`from_cpu`), or
  // this CPU: pro rata of the one- or two-CPU figure.
  [[nodiscard]] double copy_cost(bool write, unsigned from_cpu, unsigned cpu,
                                 std::size_t bytes) const noexcept;

  pipepool::PagePool& pool_;
  VirtualTimeAllocator& allocator_;
  Runqueue& runqueue_;
  SimCosts costs_;
  PageModel page_model_;
  std::unordered_map<const void*, unsigned> last_cpu_;  // page -> the reader that emptied it
  std::vector<Slot> slots_;                             // a power of two
  std::uint64_t head_ = 0;  // free-running, masked when a slot is addressed
  std::uint64_t tail_ = 0;
  unsigned writers_;
  unsigned readers_;
  PipeMutex mutex_;
  SideRunning writers_running_;
  SideRunning readers_running_;
  SpinStats queue_spin_{};
  WaitQueue rd_wait_;
  WaitQueue wr_wait_;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t writes_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t writes_blocked_ = 0;
  std::uint64_t reads_blocked_ = 0;
  std::uint64_t charges_ = 0;
  ChargeTotals totals_;
};

}  // namespace pipe_bench::sim
