// What the workload runs on: a Target opens a fresh pipe and hands back its two ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pipe_bench/workload_types.hpp"
#include "pipepool/page_allocator.hpp"
#include "pipepool/pipe.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench {

// Settings every target receives; a target ignores those that do not apply to it.
struct TargetConfig {
  std::size_t pipe_size = 1024 * 1024;
  pipepool::AllocatorKind allocator = pipepool::AllocatorKind::os;
  pipepool::ModelAllocatorConfig model{};  // model allocator only
  // Packet mode (O_DIRECT on the write end): each read returns at most one write. --verify sets
  // it so that every read is exactly one record.
  bool packet = false;
  pipepool::CopyMode copy = pipepool::CopyMode::parallel;  // pipepool targets only
  pipepool::PoolSizes pool_sizes{};                        // pipepool targets only
  // Kernel targets: where tracefs is (kernel_pages/ counts the kernel's pipe pages through it).
  std::string tracefs_root = "/sys/kernel/tracing";
};

// Result of one read or write call: bytes transferred, or an errno value.
struct IoStatus {
  std::size_t count = 0;
  int error = 0;  // 0 on success
};

// The two ends of one open pipe. write() and read() may be called by any number of threads at
// once, as threads share one file descriptor. They retry EINTR themselves; a short count is
// returned as is (the caller loops). close_writer() / close_reader() close that side and must not
// race with a call on the same side; afterwards that side's calls are not allowed.
class Endpoints {
 public:
  virtual ~Endpoints() = default;
  [[nodiscard]] virtual IoStatus write(const std::byte* buf, std::size_t len) noexcept = 0;
  [[nodiscard]] virtual IoStatus read(std::byte* buf, std::size_t len) noexcept = 0;
  virtual void close_writer() noexcept = 0;
  virtual void close_reader() noexcept = 0;
  // The pipepool pipe's counters (valid after both sides are closed); nullopt for targets that
  // have none (kernel pipes).
  [[nodiscard]] virtual std::optional<pipepool::PipeStats> stats() const noexcept = 0;
  // How many distinct message buffers each writer must rotate through, so that a buffer is not
  // rewritten while the pipe may still refer to it (vmsplice). Buffers are page-aligned.
  [[nodiscard]] virtual std::size_t writer_buffers(std::size_t /*msg_size*/) const noexcept {
    return 1;
  }
  // A writer's message buffers (one std::aligned_alloc block) when the writer is done. The
  // default frees them; endpoints whose pipe may still refer to them (pipepool vmsplice: the pipe
  // points at the caller's bytes, it holds no page reference as the kernel does) keep them until
  // they are destroyed, after the readers.
  virtual void adopt_writer_buffers(void* block) noexcept { std::free(block); }
};

struct OpenResult {
  std::unique_ptr<Endpoints> endpoints;  // null on failure
  std::string error;                     // one line, naming the flag at fault when there is one
  int exit_code = 0;                     // 2: the configuration cannot run; 1: anything else
};

// One run of a target: the workload's result, or the error that kept it from running.
struct RunAttempt {
  std::optional<WorkloadResult> result;  // nullopt when the pipe could not be opened
  std::string error;                     // open() failure, one line
  int exit_code = 0;                     // as OpenResult::exit_code
};

class Target {
 public:
  virtual ~Target() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  // Where the pipe's pages come from, as reports print it: "kernel", "os", "heap", "model",
  // or "none" (the memcpy ceiling has no pipe).
  [[nodiscard]] virtual std::string_view allocator_label() const noexcept = 0;
  // Whether the pages come from pipepool's allocator (so --alloc-cost changes this target).
  [[nodiscard]] virtual bool uses_page_allocator() const noexcept { return false; }
  // A fresh pipe resized to the configured pipe size.
  [[nodiscard]] virtual OpenResult open() = 0;
  // Runs the workload on a fresh pipe. The default opens one and runs run_workload()'s threads on
  // its Endpoints; a target whose writers and readers are not threads of this process overrides
  // it. The workload's own failures are in result->error.
  [[nodiscard]] virtual RunAttempt run(const WorkloadConfig& config);
};

}  // namespace pipe_bench
