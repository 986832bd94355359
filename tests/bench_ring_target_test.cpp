// pipe_bench's ring target (a lock-free single-producer/single-consumer byte ring): it delivers
// every byte at 1 writer / 1 reader, keeps records whole under --verify, and refuses any other
// thread count with one line and exit 2, at run time and on the command line.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "bench_options_support.hpp"
#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/test_hooks.hpp"
#include "pipe_bench/workload.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;

RunAttempt run_ring(std::size_t msg_size, unsigned writers, unsigned readers, bool verify = false,
                    std::size_t pipe_size = 256 * 1024) {
  TargetConfig config;
  config.pipe_size = pipe_size;
  config.packet = verify;
  auto target = make_target("ring", config);
  EXPECT_NE(target, nullptr);
  if (!target) return {};
  WorkloadConfig workload;
  workload.writers = writers;
  workload.readers = readers;
  workload.msg_size = msg_size;
  workload.duration = 150ms;
  workload.verify = verify;
  return target->run(workload);
}

TEST(BenchRingTarget, DeliversEveryByteAtEverySize) {
  // 64 KiB messages in a 16 KiB ring: every write is cut short and completed by the writer loop.
  for (const auto& [msg, pipe] : {std::pair<std::size_t, std::size_t>{64, 256 * 1024},
                                  {10000, 256 * 1024},
                                  {64 * 1024, 256 * 1024},
                                  {64 * 1024, 16 * 1024}}) {
    const RunAttempt attempt = run_ring(msg, 1, 1, false, pipe);
    ASSERT_TRUE(attempt.result.has_value()) << attempt.error;
    const WorkloadResult& r = *attempt.result;
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_GT(r.writes, 0u) << msg;
    EXPECT_EQ(r.bytes_written, r.writes * msg);
    EXPECT_EQ(r.bytes_read, r.bytes_written) << msg;
    EXPECT_FALSE(r.pipe_stats.has_value());
  }
}

TEST(BenchRingTarget, VerifiedRecordsArriveWholeAndInOrder) {
  for (std::size_t msg : {std::size_t{64}, std::size_t{4096}}) {
    const RunAttempt attempt = run_ring(msg, 1, 1, true);
    ASSERT_TRUE(attempt.result.has_value()) << attempt.error;
    const WorkloadResult& r = *attempt.result;
    EXPECT_TRUE(r.ok()) << r.error;
    ASSERT_TRUE(r.verify.has_value());
    EXPECT_TRUE(r.verify->ok()) << r.verify->describe();
    EXPECT_GT(r.verify->sent, 5u);
    EXPECT_EQ(r.verify->received, r.verify->sent);
  }
}

void corrupt_first(std::byte* rec, std::size_t len, std::uint32_t writer, std::uint64_t seq) {
  if (writer == 0 && seq == 0 && len > 40) rec[40] ^= std::byte{0x5a};
}

TEST(BenchRingTarget, InjectedCorruptionIsCaught) {
  test_hooks::set_record_hook(corrupt_first);
  const RunAttempt attempt = run_ring(4096, 1, 1, true);
  test_hooks::set_record_hook(nullptr);
  ASSERT_TRUE(attempt.result.has_value()) << attempt.error;
  ASSERT_TRUE(attempt.result->verify.has_value());
  EXPECT_FALSE(attempt.result->ok());
  EXPECT_EQ(attempt.result->verify->corrupted, 1u) << attempt.result->verify->describe();
}

TEST(BenchRingTarget, RefusesMoreThanOneWriterOrReader) {
  for (const auto& [w, r] : {std::pair<unsigned, unsigned>{2, 1}, {1, 2}, {5, 5}}) {
    const RunAttempt attempt = run_ring(64, w, r);
    EXPECT_FALSE(attempt.result.has_value());
    EXPECT_EQ(attempt.exit_code, 2);
    EXPECT_NE(attempt.error.find("ring"), std::string::npos) << attempt.error;
    EXPECT_EQ(attempt.error.find('\n'), std::string::npos) << attempt.error;
  }
}

TEST(BenchRingTarget, CommandLineAcceptsOnlyOneWriterAndOneReader) {
  EXPECT_TRUE(bench_test::parse({"-t", "kernel,ring", "-w", "1", "-r", "1"}).options.has_value());
  bench_test::expect_error({"-t", "kernel,ring", "-w", "2", "-r", "1"}, "--target");
  bench_test::expect_error({"-t", "ring", "-w", "1", "-r", "1,5"}, "--target");
  bench_test::expect_error({"-t", "ring"}, "--target");  // the default sweep
}

}  // namespace
