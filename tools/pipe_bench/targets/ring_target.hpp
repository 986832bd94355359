// The single-producer / single-consumer ceiling: no pipe, one writer thread and one reader thread
// hand bytes over through a plain lock-free byte ring.
//
// The ring: bit_ceil(max(--pipe-size, 8 KiB)) bytes (1 MiB by default), a free-running `head`
// the writer alone stores (release) and a free-running `tail` the reader alone stores (release),
// each on a cache line of its own; each side keeps its last view of the other's index on its own
// line and reloads it (acquire) only when that view shows the ring full or empty. A write copies
// as many bytes as fit with memcpy (two pieces across the wrap) and publishes them by storing
// `head`; a read copies what is there and frees it by storing `tail`. A side with nothing to do
// calls sched_yield() and looks again; nobody sleeps, so nobody is woken. No memory is allocated
// per message.
//
// Packet mode (--verify): a write waits until its 8-byte length and its bytes fit and stores them
// together; a read takes one such packet and drops what does not fit in its buffer, as a pipe's
// packet mode does.
//
// Only 1 writer / 1 reader: with more threads on a side the ring is not safe, so run() refuses
// any other configuration (exit 2), as the option parser does first.
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_ring_target(const TargetConfig& config);

}  // namespace pipe_bench
