// The ceiling: the same writer and reader threads hand messages over with two memcpy()s and no
// pipe. Writers copy each message into a slot of a page set as large as the pipe, readers copy
// it out.
//
// The hand-off: floor_pow2(max(1, pipe_size / msg_size)) slots of msg_size rounded up to 4 KiB
// (as many bytes as the pipe holds), and two FIFO queues of slot numbers, `free` and `full`, each
// under a mutex held only to push or pop one number. A writer pops a free slot, copies the
// message in outside the lock, and pushes the slot to `full`; a reader pops the oldest full slot,
// copies it out, and pushes it back to `free`. Messages are delivered in the order their copies
// completed. A preempted thread holds only its own slot, so it never blocks the others (a
// strict ticket order would make every reader wait behind a preempted writer). A thread with
// nothing to do spins briefly, then sleeps on the queue's futex; a push wakes one sleeper, and
// only when there is one. No memory is allocated per message.
#pragma once

#include <memory>

#include "pipe_bench/targets/target.hpp"

namespace pipe_bench {

[[nodiscard]] std::unique_ptr<Target> make_memcpy_target(const TargetConfig& config);

}  // namespace pipe_bench
