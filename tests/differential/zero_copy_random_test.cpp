// Seeded random sequences over two pipes mixing write/read with vmsplice, splice and tee in both
// directions, kernel vs pipepool. Slots 0/1: the first pipe's ends, 2/3: the second's. A failure
// names the seed: rerun with --gtest_filter='Differential/DifferentialZeroCopyRandom.*/<seed>'.
#include <gtest/gtest.h>

#include "differential/diff_random.hpp"

namespace pipepool::differential {
namespace {

constexpr long kOpsPerSeed = 1500;

const std::vector<std::size_t> kSpliceLens{1, 10, 100, 4095, 4096, 5000, 65536, 1000000};
const std::vector<unsigned> kSpliceFlags{0, SPLICE_F_MOVE, SPLICE_F_MORE, SPLICE_F_GIFT,
                                         SPLICE_F_NONBLOCK};

// One random op; only open slots are used. vmsplice always carries SPLICE_F_NONBLOCK (the
// descriptor's O_NONBLOCK does not stop it from waiting).
Op random_zero_copy_op(SplitMix& rng, const Differ& d, bool late) {
  const auto open = [&d](int s) { return d.slot_open(s); };
  const int pipe = static_cast<int>(rng.below(2));
  const int r = 2 * pipe;
  const int w = r + 1;
  const int other_w = 3 - w + 1;  // the other pipe's write end (1 <-> 3)
  const std::uint64_t k = rng.below(100);
  if (k < 18 && open(w)) return W(rng.pick(kWriteSizes), w);
  if (k < 32 && open(r)) return R(rng.pick(kReadSizes), r);
  if (k < 44 && open(w)) {
    return Vms(random_iov(rng, rng.pick(kWriteSizes)), w, SPLICE_F_NONBLOCK, rng.below(4096));
  }
  if (k < 50 && open(r)) return Vms(random_iov(rng, rng.pick(kReadSizes)), r, SPLICE_F_NONBLOCK);
  if (k < 68 && open(r) && open(other_w)) {
    return Spl(r, other_w, rng.pick(kSpliceLens), rng.pick(kSpliceFlags));
  }
  if (k < 82 && open(r) && open(other_w)) {
    return Tee(r, other_w, rng.pick(kSpliceLens), rng.pick(kSpliceFlags));
  }
  if (k < 87 && open(w)) return Resize(rng.pick(kResizeSizes), w);
  if (k < 92 && open(w)) return SetFl(w, O_NONBLOCK | (rng.below(2) ? O_DIRECT : 0));
  if (k < 93 && late) {
    const int s = static_cast<int>(rng.below(4));
    if (open(s)) return Close(s);
  }
  return open(r) ? R(rng.pick(kReadSizes), r) : Fcntl(r, F_GETFL);
}

class DifferentialZeroCopyRandom : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(DifferentialZeroCopyRandom, TwoPipes) {
  const std::uint64_t seed = GetParam();
  Differ d(seed, (seed % 3 == 0) ? O_DIRECT : 0, "zero-copy random");
  ASSERT_TRUE(d.add_pipe((seed % 4 == 1) ? O_DIRECT : 0));
  SplitMix rng(seed);
  long i = 0;
  for (; i < kOpsPerSeed && d.ok(); ++i)
    d.step(random_zero_copy_op(rng, d, i >= kOpsPerSeed * 4 / 5));
  d.close_all();
  EXPECT_TRUE(d.ok()) << "seed " << seed;
  EXPECT_EQ(d.ops_run(), kOpsPerSeed);
}

INSTANTIATE_TEST_SUITE_P(Differential, DifferentialZeroCopyRandom,
                         ::testing::Range<std::uint64_t>(1, 25),
                         [](const auto& info) { return std::to_string(info.param); });

}  // namespace
}  // namespace pipepool::differential
