// pipe_bench --verify: records carry writer, sequence number and checksum; the ledger tells lost,
// duplicated and corrupted records apart; and a record corrupted through the test-only hook is
// caught on every kind of target (threads, forked processes, vmsplice, the memcpy ceiling).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "pipe_bench/targets/registry.hpp"
#include "pipe_bench/test_hooks.hpp"
#include "pipe_bench/verify.hpp"
#include "pipe_bench/workload.hpp"

namespace {

using namespace pipe_bench;
using namespace std::chrono_literals;

std::vector<std::byte> record(std::uint32_t writer, std::uint64_t seq, std::size_t len = 4096) {
  std::vector<std::byte> rec(len);
  fill_record(rec.data(), rec.size(), writer, seq);
  return rec;
}

TEST(BenchVerify, RecordRoundTripsAndNamesItsWriterAndSeq) {
  for (std::size_t len : {32u, 33u, 100u, 4096u}) {
    const auto rec = record(7, 123456, len);
    RecordId id;
    ASSERT_TRUE(check_record(rec.data(), rec.size(), id)) << len;
    EXPECT_EQ(id.writer, 7u);
    EXPECT_EQ(id.seq, 123456u);
  }
}

TEST(BenchVerify, AnyFlippedByteOrWrongLengthFailsTheCheck) {
  const auto good = record(1, 2, 256);
  RecordId id;
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= std::byte{0x01};
    EXPECT_FALSE(check_record(bad.data(), bad.size(), id)) << "byte " << i;
  }
  EXPECT_FALSE(check_record(good.data(), good.size() - 1, id));
  EXPECT_FALSE(check_record(good.data(), 16, id));
}

TEST(BenchVerify, LedgerCountsLostDuplicatedAndCorrupted) {
  auto ledger = Ledger::create(2);
  ASSERT_NE(ledger, nullptr);
  // Writer 0 sent 0..9, writer 1 sent 0..4. Writer 0's 3 is lost, its 7 arrives twice; writer
  // 1's 2 arrives corrupted; and a record claims a seq writer 1 never sent.
  for (std::uint64_t s = 0; s < 10; ++s) {
    if (s == 3) continue;
    const auto rec = record(0, s);
    ledger->receive(rec.data(), rec.size());
  }
  const auto dup = record(0, 7);
  ledger->receive(dup.data(), dup.size());
  for (std::uint64_t s = 0; s < 5; ++s) {
    auto rec = record(1, s);
    if (s == 2) rec[100] ^= std::byte{0xff};
    ledger->receive(rec.data(), rec.size());
  }
  const auto phantom = record(1, 9);
  ledger->receive(phantom.data(), phantom.size());
  const VerifyReport r = ledger->finish({10, 5});
  EXPECT_EQ(r.sent, 15u);
  EXPECT_EQ(r.lost, 2u);  // writer 0's 3 and writer 1's corrupted 2
  EXPECT_EQ(r.duplicated, 1u);
  EXPECT_EQ(r.corrupted, 2u);  // the bad checksum and the phantom seq
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.describe().find("2 lost, 1 duplicated, 2 corrupted"), std::string::npos);
}

TEST(BenchVerify, CleanLedgerIsOk) {
  auto ledger = Ledger::create(1);
  ASSERT_NE(ledger, nullptr);
  for (std::uint64_t s = 0; s < 200; ++s) {
    const auto rec = record(0, s, 64);
    ledger->receive(rec.data(), rec.size());
  }
  const VerifyReport r = ledger->finish({200});
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.received, 200u);
}

// Corrupts one payload byte of writer 0's first record, after its checksum was computed: the
// first record, so that the corruption happens whenever writer 0 runs at all in the 150 ms run
// (a loaded machine may let it run only briefly). Writers may be processes: no shared state.
void corrupt_one(std::byte* rec, std::size_t len, std::uint32_t writer, std::uint64_t seq) {
  if (writer == 0 && seq == 0 && len > 40) rec[40] ^= std::byte{0x5a};
}

struct HookGuard {
  explicit HookGuard(test_hooks::RecordHook hook) { test_hooks::set_record_hook(hook); }
  ~HookGuard() { test_hooks::set_record_hook(nullptr); }
};

WorkloadResult run_verified(const std::string& target_name) {
  TargetConfig config;
  config.pipe_size = 64 * 1024;
  config.packet = true;
  auto target = make_target(target_name, config);
  EXPECT_NE(target, nullptr) << target_name;
  if (!target) return {};
  WorkloadConfig workload;
  workload.writers = 2;
  workload.readers = 2;
  workload.msg_size = 4096;
  workload.duration = 150ms;
  workload.verify = true;
  RunAttempt attempt = target->run(workload);
  EXPECT_TRUE(attempt.result.has_value()) << attempt.error;
  return attempt.result ? std::move(*attempt.result) : WorkloadResult{};
}

class BenchVerifyTarget : public testing::TestWithParam<std::string> {};

TEST_P(BenchVerifyTarget, CleanRunVerifies) {
  const WorkloadResult r = run_verified(GetParam());
  EXPECT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(r.verify.has_value());
  EXPECT_TRUE(r.verify->ok()) << r.verify->describe();
  EXPECT_GT(r.verify->sent, 5u);
  EXPECT_EQ(r.verify->received, r.verify->sent);
  EXPECT_EQ(r.verify->sent, r.writes);
}

TEST_P(BenchVerifyTarget, InjectedCorruptionIsCaught) {
  HookGuard guard(corrupt_one);
  const WorkloadResult r = run_verified(GetParam());
  ASSERT_TRUE(r.verify.has_value());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("verify:"), std::string::npos) << r.error;
  EXPECT_EQ(r.verify->corrupted, 1u) << r.verify->describe();
  EXPECT_EQ(r.verify->lost, 1u) << r.verify->describe();
  EXPECT_EQ(r.verify->duplicated, 0u);
}

INSTANTIATE_TEST_SUITE_P(Bench, BenchVerifyTarget,
                         testing::Values("kernel", "kernel-procs", "kernel-vmsplice", "legacy",
                                         "unified", "memcpy", "vmsplice", "kernel-splice",
                                         "splice"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
