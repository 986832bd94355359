// The loop each writer and each reader runs, whether it is a thread (workload.cpp) or a forked
// process (targets/procs_target.cpp). The tallies are plain data, so that a process can leave them
// in shared memory for its parent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "pipe_bench/histogram.hpp"
#include "pipe_bench/targets/target.hpp"
#include "pipe_bench/verify.hpp"

namespace pipe_bench {

using Clock = std::chrono::steady_clock;

// A read or write that failed: errno, or error == 0 for a write that returned 0.
struct IoFailure {
  bool failed = false;
  bool reading = false;
  int error = 0;
  std::uint64_t done = 0;  // bytes of the message written before the failure (writes)
  std::uint64_t len = 0;   // bytes the message had (writes)
};
// "write failed after 0 of 65536 bytes: Broken pipe" / "read failed: ...".
[[nodiscard]] std::string describe(const IoFailure& failure);

struct WriterJob {
  const std::atomic<bool>* stop = nullptr;  // checked before each message
  std::size_t msg_size = 0;
  double rate = 0;           // writes/s of this writer; 0: closed loop
  Clock::time_point start;   // the open-loop schedule starts here
  bool verify = false;       // send records (msg_size <= 4096)
  std::uint32_t writer = 0;  // the writer's id in its records
};

struct WriterTally {
  Histogram latency;  // ns per message: from the call (closed loop) or the intended time (rate)
  std::uint64_t writes = 0;
  std::uint64_t bytes = 0;
  IoFailure failure;
  std::int64_t stop_ns = 0;  // steady clock when the loop ended
};

// Writes messages until *job.stop is true or a write fails. Partial writes are completed; one
// message counts as one write. Rotates through endpoints.writer_buffers() page-aligned buffers.
void run_writer(Endpoints& endpoints, const WriterJob& job, WriterTally& tally) noexcept;

struct ReaderTally {
  std::uint64_t bytes = 0;
  IoFailure failure;
};

// Reads `read_size`-byte buffers until EOF or a failure. With a ledger, every read is handed to it
// as one record.
void run_reader(Endpoints& endpoints, std::size_t read_size, Ledger* ledger,
                ReaderTally& tally) noexcept;

}  // namespace pipe_bench
