// anon_pipe_write and anon_pipe_read of fs/pipe.c (Linux 7.x, with the page-pool hooks), in
// virtual time. Each function follows the kernel's order of steps; the comments name them.
#include "pipe_bench/sim/sim_pipe.hpp"

#include <algorithm>
#include <bit>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace pipe_bench::sim {
namespace {

constexpr std::size_t kPage = pipepool::kPageSize;

std::size_t slot_count(std::size_t pipe_bytes) {
  return std::bit_floor(std::max<std::size_t>(1, pipe_bytes / kPage));
}

}  // namespace

SimPipe::SimPipe(pipepool::PagePool& pool, VirtualTimeAllocator& allocator, const SimCosts& costs,
                 Runqueue& runqueue, LockModel lock_model, PageModel page_model,
                 std::size_t pipe_bytes, unsigned writers, unsigned readers)
    : pool_(pool),
      allocator_(allocator),
      runqueue_(runqueue),
      costs_(costs),
      page_model_(page_model),
      slots_(slot_count(pipe_bytes)),
      writers_(writers),
      readers_(readers),
      mutex_(runqueue, lock_model, lock_model == LockModel::fifo ? 0 : costs.handoff_ns,
             costs.syscall_ns),
      rd_wait_(runqueue, lock_model, &writers_running_, costs.syscall_ns, queue_spin_),
      wr_wait_(runqueue, lock_model, &readers_running_, costs.syscall_ns, queue_spin_) {
  pool_.attach_lock(&mutex_);
}

SimPipe::~SimPipe() {
  // free_pipe_info: the buffers still in the ring go back to the pool, no actor holds the mutex.
  pool_.attach_lock(nullptr);
  for (; tail_ != head_; ++tail_) pool_.put_page(slot(tail_).page);
}

void SimPipe::charge(double copy_ns, double other_ns) {
  const PendingCost pages = allocator_.take_pending();
  const double ns = copy_ns + other_ns + pages.total();
  if (ns <= 0) return;
  ++charges_;
  totals_.busy_ns += ns;
  if (mutex_.held_by_caller()) {
    totals_.hold_alloc_ns += pages.alloc_ns;
    totals_.hold_free_ns += pages.free_ns;
    totals_.hold_copy_ns += copy_ns;
  }
  runqueue_.run(runqueue_.current(), ns);
}

double SimPipe::copy_cost(bool write, unsigned from_cpu, unsigned cpu,
                          std::size_t bytes) const noexcept {
  const bool cross = page_model_ != PageModel::one_cpu && from_cpu != cpu;
  const double per_page = write ? (cross ? costs_.copy_write_cross_ns : costs_.copy_write_ns)
                                : (cross ? costs_.copy_read_cross_ns : costs_.copy_read_ns);
  return per_page * static_cast<double>(bytes) / kPage;
}

std::size_t SimPipe::write(Waiter& self, std::size_t len) {
  if (len == 0) return 0;
  charge(0, costs_.syscall_ns);

  // Prefill: pages for this write allocated before the mutex (prealloc, unified, shrinker).
  pipepool::PageBatch burst;
  allocator_.set_cpu(self.cpu);
  pool_.prefill(len, burst);
  charge();

  mutex_.lock(self);
  writers_running_.enter();
  allocator_.set_cpu(self.cpu);
  pool_.prefill_locked(burst);
  charge();

  bool was_empty = empty();
  bool wake_next_writer = false;
  bool blocked = false;
  std::size_t done = 0;

  // A write that is not a whole number of pages first tops up the last buffer when it has room.
  const std::size_t chars = len & (kPage - 1);
  if (chars != 0 && !was_empty) {
    Slot& last = slot(head_ - 1);
    if (last.offset + last.len + chars <= kPage) {
      charge(copy_cost(true, last.cpu, self.cpu, chars));
      last.len += static_cast<std::uint32_t>(chars);
      done = chars;
    }
  }

  while (done < len) {
    if (readers_ == 0) break;  // EPIPE (SIGPIPE is not modelled)
    if (!full()) {
      // One page per free slot: get_page, copy, publish the slot.
      allocator_.set_cpu(self.cpu);
      void* page = pool_.get_page(burst);
      if (page == nullptr) {
        charge();
        break;  // -ENOMEM after what was written
      }
      const std::size_t n = std::min(kPage, len - done);
      // A page a reader emptied was last touched by that reader's CPU; a page from the allocator
      // is charged by the allocation figure, which includes its first copy.
      const auto last = last_cpu_.find(page);
      charge(copy_cost(true, last != last_cpu_.end() ? last->second : self.cpu, self.cpu, n));
      mutex_.note_progress();
      slot(head_) = Slot{page, 0, static_cast<std::uint32_t>(n), self.cpu};
      ++head_;
      done += n;
      continue;
    }
    // Full: drop the mutex, wake the readers if the pipe was empty, wait (exclusive) for room.
    blocked = true;
    writers_running_.park();
    mutex_.unlock();
    if (was_empty) rd_wait_.wake_one();
    wr_wait_.wait_until(self, [this] { return !full() || readers_ == 0; });
    mutex_.lock(self);
    writers_running_.enter();
    was_empty = empty();
    wake_next_writer = true;
  }
  if (full()) wake_next_writer = false;

  // Trim under the mutex; what it hands back is freed after unlock.
  pipepool::PageBatch spare;
  allocator_.set_cpu(self.cpu);
  pool_.trim_locked(burst, spare);
  charge();
  writers_running_.leave(simgrid::s4u::Engine::get_clock());
  mutex_.unlock();
  if (was_empty) rd_wait_.wake_one();
  if (wake_next_writer) wr_wait_.wake_one();
  allocator_.set_cpu(self.cpu);
  pool_.release(spare);
  charge();

  if (done > 0) {
    ++writes_;
    bytes_written_ += done;
    if (blocked) ++writes_blocked_;
  }
  return done;
}

std::size_t SimPipe::read(Waiter& self, std::size_t len) {
  if (len == 0) return 0;
  charge(0, costs_.syscall_ns);

  mutex_.lock(self);
  readers_running_.enter();
  bool was_full = full();
  bool wake_next_reader = false;
  bool blocked = false;
  std::size_t got = 0;
  for (;;) {
    if (!empty()) {
      // Copy out of the tail buffer; an emptied buffer's page goes back to the pool under the
      // mutex (anon_pipe_buf_release) and the tail advances.
      Slot& buf = slot(tail_);
      const std::size_t n = std::min<std::size_t>(buf.len, len - got);
      charge(copy_cost(false, buf.cpu, self.cpu, n));
      mutex_.note_progress();
      buf.offset += static_cast<std::uint32_t>(n);
      buf.len -= static_cast<std::uint32_t>(n);
      got += n;
      if (buf.len == 0) {
        if (page_model_ != PageModel::one_cpu) last_cpu_[buf.page] = self.cpu;
        allocator_.set_cpu(self.cpu);
        pool_.put_page(buf.page);
        charge();  // nothing unless the pool freed the page
        buf = Slot{};
        ++tail_;
      }
      if (got == len) break;
      if (!empty()) continue;
    }
    if (writers_ == 0) break;  // end of file
    if (got > 0) break;
    // Empty: drop the mutex, wake the writers if the pipe was full, wait (exclusive) for data.
    blocked = true;
    readers_running_.park();
    mutex_.unlock();
    if (was_full) wr_wait_.wake_one();
    rd_wait_.wait_until(self, [this] { return !empty() || writers_ == 0; });
    mutex_.lock(self);
    readers_running_.enter();
    was_full = full();
    wake_next_reader = true;
  }
  if (empty()) wake_next_reader = false;

  pipepool::PageBatch none;
  pipepool::PageBatch spare;
  allocator_.set_cpu(self.cpu);
  pool_.trim_locked(none, spare);
  charge();
  readers_running_.leave(simgrid::s4u::Engine::get_clock());
  mutex_.unlock();
  if (was_full) wr_wait_.wake_one();
  if (wake_next_reader) rd_wait_.wake_one();
  allocator_.set_cpu(self.cpu);
  pool_.release(spare);
  charge();

  if (got > 0) {
    ++reads_;
    bytes_read_ += got;
    if (blocked) ++reads_blocked_;
  }
  return got;
}

void SimPipe::close_writer(Waiter& self) {
  mutex_.lock(self);
  const bool last = --writers_ == 0;
  mutex_.unlock();
  if (last) {
    rd_wait_.wake_all();
    wr_wait_.wake_all();
  }
}

void SimPipe::close_reader(Waiter& self) {
  mutex_.lock(self);
  const bool last = --readers_ == 0;
  mutex_.unlock();
  if (last) {
    rd_wait_.wake_all();
    wr_wait_.wake_all();
  }
}

pipepool::PipeStats SimPipe::stats() const {
  pipepool::PipeStats s;
  s.pool = pool_.stats();
  s.lock = mutex_.stats();
  s.bytes_written = bytes_written_;
  s.bytes_read = bytes_read_;
  s.writes = writes_;
  s.reads = reads_;
  s.writes_blocked = writes_blocked_;
  s.reads_blocked = reads_blocked_;
  return s;
}

}  // namespace pipe_bench::sim
