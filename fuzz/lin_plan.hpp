// Random plans for recorded histories: how many threads, which descriptors each holds, and the
// calls each makes. Small writes (merges, page-sized, over PIPE_BUF) and reads on a small pipe,
// so full pipes, EAGAIN and short writes happen; some of them are vmsplice calls (into the write
// end from various offsets in a page, across page ends; out of the read end); in some plans every
// descriptor of one end is closed as its threads' last call, so the other threads may see EOF or
// EPIPE. Optionally: F_SETPIPE_SZ calls (growing, shrinking, refused with EBUSY), writes of
// several pages up to a few rings' worth, blocking descriptors (a writer waits on a full pipe
// until a read, a resize or the last reader's close releases it), a thread that signals the
// others, and readiness descriptors (pp_event_fd) taken on both ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "lin_history.hpp"

namespace pipepool::lin {

struct PlannedCall {
  OpKind kind = OpKind::read;
  End end = End::read;             // the descriptor the call uses
  std::size_t len = 0;             // write, read and vmsplice lengths
  std::vector<std::uint8_t> data;  // a write's or vmsplice_in's bytes, distinct from all others'
  std::size_t page_offset = 0;     // vmsplice_in: where its bytes start in their page
};

// Signal handlers the recording installs while a signalling thread interrupts the others.
enum class Signals : std::uint8_t { none, eintr, restart, both };

struct ThreadPlan {
  bool read_fd = false;  // holds a descriptor of the read end
  bool write_fd = false;
  std::vector<PlannedCall> calls;
};

struct Plan {
  std::size_t pipe_size = 4096;
  // Blocking descriptors. Each thread of such a plan holds one end and closes it as its last
  // call: a blocked writer is released by a read, a resize or the last reader's close, a blocked
  // reader by a write or the last writer's close, so every recording ends.
  bool block_reads = false;
  bool block_writes = false;
  Signals signals = Signals::none;
  bool event_fds = false;  // pp_event_fd taken on both ends before the calls
  std::vector<ThreadPlan> threads;
};

struct PlanLimits {
  unsigned min_threads = 2;
  unsigned max_threads = 3;
  std::size_t min_calls = 4;  // per thread, a close included
  std::size_t max_calls = 8;
  std::size_t max_io = 6000;  // longest write or read
  // The pipe size, a power of two between these.
  std::size_t min_pipe_size = 4096;
  std::size_t max_pipe_size = 16384;
  // Writes are planned only while the slots all planned writes could fill, ceil(len / 4096)
  // each (a vmsplice_in: the pages its bytes touch), stay within this: at the pipe's slot count
  // the pipe never fills, so calls never see it full.
  std::size_t max_write_slots = static_cast<std::size_t>(-1);
  // Plans may close every read descriptor (otherwise only the write end is ever closed).
  bool close_read_end = true;
  // Percent of the planned writes made as vmsplice_in, and of the reads as vmsplice_out.
  std::size_t vmsplice_percent = 15;
  // Percent of the plans with blocking descriptors (reads, writes or both block).
  std::size_t blocking_percent = 0;
  // Percent of the calls that are F_SETPIPE_SZ, to a size from 1 byte to max_resize.
  std::size_t resize_percent = 0;
  std::size_t max_resize = std::size_t{1} << 20;
  // Percent of the writes that span several pages, up to max_big_write bytes (reads then ask
  // for up to that much too).
  std::size_t big_write_percent = 0;
  std::size_t max_big_write = 0;
  // Percent of the plans recorded with a signalling thread, and with pp_event_fd taken.
  std::size_t signal_percent = 0;
  std::size_t event_fd_percent = 0;
};

[[nodiscard]] Plan random_plan(std::mt19937_64& rng, const PlanLimits& limits = {});

}  // namespace pipepool::lin
