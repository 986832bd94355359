// Seeded random op sequences, kernel vs pipepool (see diff_random.hpp). A failure names the
// seed: rerun with --gtest_filter='Differential/DifferentialRandom.*/<seed>' (PacketPipe
// runs seed + 1000).
#include <gtest/gtest.h>

#include "differential/diff_random.hpp"

namespace pipepool::differential {
namespace {

constexpr long kOpsPerSeed = 2000;

class DifferentialRandom : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(DifferentialRandom, PlainPipe) {
  EXPECT_EQ(run_random(GetParam(), kOpsPerSeed), kOpsPerSeed) << "seed " << GetParam();
}

// Starts in packet mode (pipe2 O_DIRECT); the sequence may still toggle it.
TEST_P(DifferentialRandom, PacketPipe) {
  EXPECT_EQ(run_random(GetParam() + 1000, kOpsPerSeed / 2, O_DIRECT), kOpsPerSeed / 2)
      << "seed " << GetParam() + 1000;
}

INSTANTIATE_TEST_SUITE_P(Differential, DifferentialRandom, ::testing::Range<std::uint64_t>(1, 33),
                         [](const auto& info) { return std::to_string(info.param); });

}  // namespace
}  // namespace pipepool::differential
