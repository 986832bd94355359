// What the workload runs on: a Target opens a fresh pipe and hands back its two ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pipepool/page_allocator.hpp"
#include "pipepool/stats.hpp"

namespace pipe_bench {

// Settings every target receives; a target ignores those that do not apply to it.
struct TargetConfig {
  std::size_t pipe_size = 1024 * 1024;
  pipepool::AllocatorKind allocator = pipepool::AllocatorKind::os;
  std::uint64_t alloc_cost_ns = 0;  // model allocator only
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
};

struct OpenResult {
  std::unique_ptr<Endpoints> endpoints;  // null on failure
  std::string error;                     // one line, naming the flag at fault when there is one
  int exit_code = 0;                     // 2: the configuration cannot run; 1: anything else
};

class Target {
 public:
  virtual ~Target() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  // Where the pipe's pages come from, as reports print it: "kernel", "os", "heap", "model".
  [[nodiscard]] virtual std::string_view allocator_label() const noexcept = 0;
  // A fresh pipe resized to the configured pipe size.
  [[nodiscard]] virtual OpenResult open() = 0;
};

}  // namespace pipe_bench
