// Running one pipe_bench target briefly from a test, and the byte accounting every run must show.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/workload.hpp"

namespace pipe_bench::target_run {

// `name` on a 256 KiB pipe for 300 ms: long enough that a loaded machine still completes writes
// (150 ms once saw none at load 14).
inline WorkloadResult run_target(const std::string& name, std::size_t msg_size, unsigned writers,
                                 unsigned readers) {
  TargetConfig config;
  config.pipe_size = 256 * 1024;
  auto target = make_target(name, config);
  EXPECT_NE(target, nullptr) << name;
  if (!target) return {};
  WorkloadConfig workload;
  workload.writers = writers;
  workload.readers = readers;
  workload.msg_size = msg_size;
  workload.duration = std::chrono::milliseconds(300);
  RunAttempt attempt = target->run(workload);
  EXPECT_TRUE(attempt.result.has_value()) << attempt.error;
  return attempt.result ? std::move(*attempt.result) : WorkloadResult{};
}

// Every byte written was read, and every write was counted and timed.
inline void expect_consistent(const WorkloadResult& r, std::size_t msg_size) {
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_GT(r.writes, 0u);
  EXPECT_EQ(r.bytes_written, r.writes * msg_size);
  EXPECT_EQ(r.bytes_read, r.bytes_written);
  EXPECT_EQ(r.latency.count(), r.writes);
  EXPECT_GT(r.elapsed_s, 0.0);
}

}  // namespace pipe_bench::target_run
